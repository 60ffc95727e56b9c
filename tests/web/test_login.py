"""The web application's login: SMART authorization code + PKCE to a server-side session."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dsn.security.regions import upsert_region
from dsn.security.users import set_active
from dsn.web.pages.login import safe_next
from tests.support.web import add_web_user, csrf_of, web_login


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def test_pages_behind_the_login_send_the_browser_to_the_login_with_the_way_back(browser: TestClient) -> None:
    response = browser.get("/app/portal/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?next=%2Fapp%2Fportal%2F"


def test_the_login_goes_through_the_smart_authorize_page_with_pkce(browser: TestClient) -> None:
    response = browser.get("/app/login", follow_redirects=False)
    location = response.headers["location"]
    assert location.startswith("/oauth/authorize?")
    assert "client_id=dsn-web" in location and "code_challenge_method=S256" in location
    assert "dsn_web_login" in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]


def test_a_patient_logs_in_and_lands_on_the_portal(browser: TestClient) -> None:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie")
    web_login(browser, "marie")
    home = browser.get("/app/", follow_redirects=False)
    assert home.headers["location"] == "/app/portal/"
    cookie = next(c for c in browser.cookies.jar if c.name == "dsn_web")
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_a_clinician_lands_on_patient_search_and_a_privacy_officer_on_the_access_log(browser: TestClient) -> None:
    add_web_user(browser, "infirmiere", "nurse", region="04")
    web_login(browser, "infirmiere")
    assert browser.get("/app/", follow_redirects=False).headers["location"] == "/app/chart/"
    browser.cookies.clear()
    secret = pyotp.random_base32()
    # The access log needs a privacy officer of a live region (the access policy).
    upsert_region(browser.app.state.engine, "04", "Mauricie", organization_id=None, live=True)
    add_web_user(browser, "vigie", "privacy_officer", region="04", totp_secret=secret)
    web_login(browser, "vigie", totp_secret=secret)
    assert browser.get("/app/", follow_redirects=False).headers["location"] == "/app/privacy/"


def test_a_wrong_password_opens_no_session(browser: TestClient) -> None:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie")
    start = browser.get("/app/login")
    from tests.support.web import hidden_fields

    form = {**hidden_fields(start.text), "username": "marie", "password": "wrong"}
    response = browser.post("/oauth/authorize", data=form, follow_redirects=False)
    assert response.status_code == 401
    assert "dsn_web" not in {c.name for c in browser.cookies.jar}


def test_a_callback_with_a_forged_state_is_refused(browser: TestClient) -> None:
    browser.get("/app/login", follow_redirects=False)
    response = browser.get("/app/callback?code=abc&state=forged")
    assert response.status_code == 400
    assert "a expiré" in response.text
    assert "dsn_web" not in {c.name for c in browser.cookies.jar}


def test_a_replayed_authorization_code_is_refused(browser: TestClient) -> None:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie")
    start = browser.get("/app/login")
    from tests.support.web import hidden_fields

    form = {**hidden_fields(start.text), "username": "marie", "password": "correct horse battery staple"}
    redirect = browser.post("/oauth/authorize", data=form, follow_redirects=False).headers["location"]
    pending = browser.cookies.get("dsn_web_login", path="/app/")
    assert browser.get(redirect, follow_redirects=False).status_code == 303
    browser.cookies.set("dsn_web_login", pending, domain="testserver.local", path="/app/")
    replay = browser.get(redirect, follow_redirects=False)
    assert replay.status_code == 400


def test_logout_ends_the_session_on_the_server(browser: TestClient) -> None:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie")
    web_login(browser, "marie")
    token = browser.cookies.get("dsn_web")
    page = browser.get("/app/portal/")
    browser.post("/app/logout", data={"csrf_token": csrf_of(page.text)})
    browser.cookies.set("dsn_web", token, domain="testserver.local", path="/")
    assert browser.get("/app/portal/", follow_redirects=False).status_code == 303


def test_logout_without_the_session_csrf_token_is_refused(browser: TestClient) -> None:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie")
    web_login(browser, "marie")
    response = browser.post("/app/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert browser.get("/app/", follow_redirects=False).headers["location"] == "/app/portal/"


def test_a_disabled_account_loses_its_session_at_once(browser: TestClient) -> None:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie")
    web_login(browser, "marie")
    set_active(browser.app.state.engine, "marie", False)
    assert browser.get("/app/portal/", follow_redirects=False).status_code == 303


def test_the_next_parameter_never_leaves_the_web_app() -> None:
    assert safe_next("/app/chart/patient/1") == "/app/chart/patient/1"
    for hostile in ("https://evil.example/app/", "//evil.example/app/", "/fhir/Patient", "/app/\\evil", None, ""):
        assert safe_next(hostile) == "/app/"


def test_pages_are_french_by_default_and_the_english_switch_is_remembered(browser: TestClient) -> None:
    assert 'lang="fr-CA"' in browser.get("/app/").text
    assert 'lang="en-CA"' in browser.get("/app/?lang=en").text
    assert 'lang="en-CA"' in browser.get("/app/").text
    assert 'lang="fr-CA"' in browser.get("/app/?lang=fr").text


def test_pages_forbid_foreign_scripts_and_framing(browser: TestClient) -> None:
    response = browser.get("/app/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_an_administrator_lands_on_a_page_that_points_to_the_command_line(browser: TestClient) -> None:
    secret = pyotp.random_base32()
    add_web_user(browser, "root", "admin", totp_secret=secret)
    web_login(browser, "root", totp_secret=secret)
    assert browser.get("/app/", follow_redirects=False).headers["location"] == "/app/admin"
    page = browser.get("/app/admin")
    assert page.status_code == 200 and "dsn users" in page.text


def test_the_language_switch_keeps_the_page_query_intact(browser: TestClient) -> None:
    page = browser.get("/app/", params={"logged_out": "1&x=<y>"})
    assert 'href="/app/?logged_out=1%26x%3D%3Cy%3E&amp;lang=en"' in page.text


def test_the_web_client_follows_the_public_address_and_survives_a_second_server_start(
    browser: TestClient,
) -> None:
    from dsn.security.clients import get_client
    from dsn.web.client import CLIENT_ID, ensure_web_client

    engine = browser.app.state.engine
    moved = browser.app.state.settings.model_copy(update={"base_url": "https://dsn.example/fhir"})
    ensure_web_client(engine, moved)
    ensure_web_client(engine, moved)
    client = get_client(engine, CLIENT_ID)
    assert client is not None and client.redirect_uris == ("https://dsn.example/app/callback",)
    assert client.kind == "public" and client.secret_hash is None
