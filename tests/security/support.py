"""Helpers for the identity-and-access specs: accounts, clients, PKCE and the login dance."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi.testclient import TestClient

from dsn.security.clients import Client, register_client
from dsn.security.users import User, create_user

BASE_URL = "http://testserver/fhir"
REDIRECT_URI = "https://app.example/callback"
PASSWORD = "correct horse battery staple"


class FakeClock:
    """Real time that tests can move forward; sleeps are recorded, not slept."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return time.time() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def use_fake_clock(client: TestClient) -> FakeClock:
    clock = FakeClock()
    client.app.state.auth_clock = clock
    return clock


def engine_of(client: TestClient) -> Any:
    return client.app.state.engine


def settings_of(client: TestClient) -> Any:
    return client.app.state.settings


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def add_patient_user(client: TestClient, username: str = "marie", patient_id: str = "pat-marie") -> User:
    return create_user(
        engine_of(client), username, role="patient", password=PASSWORD, patient_id=patient_id, display_name="Marie"
    )


def add_clinician(
    client: TestClient, username: str = "drtremblay", role: str = "physician", totp_secret: str | None = None
) -> User:
    return create_user(
        engine_of(client),
        username,
        role=role,
        password=PASSWORD,
        practitioner_id=f"prac-{username}",
        organization_id="org-chu",
        region_code="04",
        display_name=f"Dr {username}",
        totp_secret=totp_secret,
    )


def add_app(
    client: TestClient,
    scopes: str = "patient/*.cruds user/*.cruds offline_access",
    *,
    client_id: str = "app",
    kind: str = "public",
    redirect_uris: list[str] | None = None,
) -> tuple[Client, str | None]:
    return register_client(
        engine_of(client),
        "Application démo",
        kind=kind,
        scopes=scopes.split(),
        client_id=client_id,
        redirect_uris=redirect_uris or [REDIRECT_URI],
    )


@dataclass
class AuthRequest:
    scope: str
    client_id: str = "app"
    redirect_uri: str = REDIRECT_URI
    aud: str = BASE_URL
    launch: str | None = None
    state: str = field(default_factory=lambda: secrets.token_hex(8))
    verifier: str = ""
    challenge: str = ""
    method: str | None = "S256"
    nonce: str | None = "n-0S6"

    def __post_init__(self) -> None:
        if not self.verifier:
            self.verifier, self.challenge = pkce_pair()

    def params(self) -> dict[str, str]:
        values = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "aud": self.aud,
            "code_challenge": self.challenge,
            "code_challenge_method": self.method,
            "launch": self.launch,
            "nonce": self.nonce,
        }
        return {k: v for k, v in values.items() if v}


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def open_login(client: TestClient, request: AuthRequest, lang: str | None = None) -> Any:
    params = request.params() | ({"lang": lang} if lang else {})
    return client.get("/oauth/authorize?" + urlencode(params), follow_redirects=False)


def submit_login(client: TestClient, page_html: str, username: str, password: str = PASSWORD, **extra: str) -> Any:
    form = hidden_fields(page_html) | {"username": username, "password": password} | extra
    return client.post("/oauth/authorize", data=form, follow_redirects=False)


def submit_form(client: TestClient, page_html: str, **extra: str) -> Any:
    return client.post("/oauth/authorize", data=hidden_fields(page_html) | extra, follow_redirects=False)


def redirect_params(response: Any) -> dict[str, str]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI) or "://" in location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(client: TestClient, request: AuthRequest, username: str, **extra: str) -> dict[str, str]:
    """Log in through the form; the query parameters the app receives."""
    page = open_login(client, request)
    assert page.status_code == 200, page.text
    return redirect_params(submit_login(client, page.text, username, **extra))


def exchange(client: TestClient, request: AuthRequest, code: str, **overrides: str | None) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": request.redirect_uri,
        "client_id": request.client_id,
        "code_verifier": request.verifier,
    } | overrides
    return client.post("/oauth/token", data={k: v for k, v in form.items() if v is not None})


def login_for_tokens(client: TestClient, request: AuthRequest, username: str, **extra: str) -> dict[str, Any]:
    answer = authorize(client, request, username, **extra)
    response = exchange(client, request, answer["code"])
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
