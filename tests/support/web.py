"""Logging in to the web application in tests, through the real SMART login page.

``web_login`` does what a browser does: follows ``/app/login`` to ``/oauth/authorize``,
posts the form with its hidden fields and CSRF token, and follows the redirect back to
``/app/callback``, which leaves the session cookie in the client's cookie jar.
"""

from __future__ import annotations

import html
import re

import pyotp
from fastapi.testclient import TestClient

from dsn.security.users import User, create_user

PASSWORD = "correct horse battery staple"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "the page has no CSRF token"
    return html.unescape(found.group(1))


def web_login(
    client: TestClient, username: str, password: str = PASSWORD, *, totp_secret: str | None = None, next_path: str = ""
) -> str:
    """Log in; returns the HTML of the page the login lands on."""
    start = client.get("/app/login" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 200, start.text
    form = hidden_fields(start.text)
    form.update(username=username, password=password)
    if totp_secret:
        form["totp"] = pyotp.TOTP(totp_secret).now()
    done = client.post("/oauth/authorize", data=form)
    assert done.status_code == 200, done.text
    assert str(done.url).startswith("http://testserver/app/"), done.url
    return done.text


def add_web_user(
    client: TestClient,
    username: str,
    role: str,
    *,
    region: str | None = None,
    organization: str | None = None,
    patient_id: str | None = None,
    totp_secret: str | None = None,
    display_name: str | None = None,
) -> User:
    clinical = role in ("physician", "nurse", "pharmacist", "clerk")
    return create_user(
        client.app.state.engine,
        username,
        role=role,
        password=PASSWORD,
        practitioner_id=f"prac-{username}" if clinical else None,
        organization_id=organization or ("org-test" if clinical else None),
        region_code=region if clinical or role == "privacy_officer" else None,
        patient_id=patient_id,
        totp_secret=totp_secret,
        display_name=display_name or username,
    )
