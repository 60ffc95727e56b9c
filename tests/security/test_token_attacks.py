"""Attacks on access tokens: every forged, stale or misdirected token is refused with a reason."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from dsn.security.authentication import AuthenticationError, authenticate
from dsn.security.tokens import Grant, access_claims, issue_access_token
from dsn.service.context import ANONYMOUS

from .support import settings_of


def _grant() -> Grant:
    return Grant(
        kind="user",
        subject="user-1",
        client_id="app",
        scopes=("user/*.rs",),
        role="nurse",
        organization="org-1",
        region="04",
        fhir_user="Practitioner/p1",
    )


def _check(client, token: str):
    return authenticate(f"Bearer {token}", settings=settings_of(client), engine=client.app.state.engine)


def _refused(client, token: str, reason: str) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        _check(client, token)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _signed_by_server(client, **claim_changes) -> str:
    """A token signed with the real server key but with altered claims."""
    from dsn.security.signing import key_ring

    settings = settings_of(client)
    claims = access_claims(_grant(), settings, now=int(time.time())) | claim_changes
    return key_ring(settings).sign(claims, typ="at+jwt")


def test_no_header_is_the_anonymous_caller(client):
    assert authenticate(None, settings=settings_of(client), engine=client.app.state.engine) is ANONYMOUS


def test_a_valid_token_becomes_the_caller_it_describes(client):
    token, claims = issue_access_token(_grant(), settings_of(client), now=int(time.time()))
    caller = _check(client, token)
    assert (caller.kind, caller.subject, caller.role, caller.organization, caller.region) == (
        "user",
        "user-1",
        "nurse",
        "org-1",
        "04",
    )
    assert caller.token_id == claims["jti"]
    assert caller.fhir_user == "Practitioner/p1"


def test_credentials_other_than_bearer_are_refused(client):
    with pytest.raises(AuthenticationError, match="Bearer"):
        authenticate("Basic YTpi", settings=settings_of(client), engine=client.app.state.engine)


def test_an_expired_token_is_refused(client):
    token, _ = issue_access_token(_grant(), settings_of(client), now=int(time.time()) - 3600)
    _refused(client, token, "expired")


def test_a_token_signed_by_an_unknown_key_is_refused(client):
    stranger = ECKey.generate_key("P-256")
    claims = access_claims(_grant(), settings_of(client), now=int(time.time()))
    token = jwt.encode({"alg": "ES256", "kid": "made-up", "typ": "at+jwt"}, claims, stranger, algorithms=["ES256"])
    _refused(client, token, "unknown key")


def test_a_token_signed_by_another_key_under_the_servers_kid_is_refused(client):
    from dsn.security.signing import key_ring

    stranger = ECKey.generate_key("P-256")
    claims = access_claims(_grant(), settings_of(client), now=int(time.time()))
    header = {"alg": "ES256", "kid": key_ring(settings_of(client)).kid, "typ": "at+jwt"}
    _refused(client, jwt.encode(header, claims, stranger, algorithms=["ES256"]), "signature")


def test_alg_none_is_refused(client):
    claims = access_claims(_grant(), settings_of(client), now=int(time.time()))
    token = f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(claims)}."
    _refused(client, token, "algorithm 'none'")


def test_an_hmac_token_keyed_with_the_public_key_is_refused(client):
    """Algorithm confusion: HS256 with the published public key as the secret."""
    claims = access_claims(_grant(), settings_of(client), now=int(time.time()))
    token = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt'})}.{_b64(claims)}.c2lnbmF0dXJl"
    _refused(client, token, "HS256")


def test_a_token_for_another_audience_is_refused(client):
    _refused(client, _signed_by_server(client, aud="https://other.example/fhir"), "audience")


def test_a_token_from_another_issuer_is_refused(client):
    _refused(client, _signed_by_server(client, iss="https://evil.example"), "issuer")


def test_a_tampered_payload_is_refused(client):
    token, claims = issue_access_token(_grant(), settings_of(client), now=int(time.time()))
    header, _, signature = token.split(".")
    forged = _b64(claims | {"dsn_role": "admin", "scope": "user/*.cruds"})
    _refused(client, f"{header}.{forged}.{signature}", "signature")


def test_an_id_token_is_not_an_access_token(client):
    from dsn.security.tokens import issue_id_token

    settings = settings_of(client)
    id_token = issue_id_token(
        settings,
        user_id="user-1",
        client_id="app",
        nonce=None,
        auth_time=None,
        fhir_user=None,
        name=None,
        now=int(time.time()),
    )
    with pytest.raises(AuthenticationError):
        _check(client, id_token)


def test_garbage_is_refused(client):
    for junk in ("abc", "a.b.c", "e30.e30.", "x" * 20000):
        with pytest.raises(AuthenticationError):
            _check(client, junk)


def test_the_http_answer_to_a_bad_token_is_401_with_a_bearer_challenge(anonymous_client, client):
    expired, _ = issue_access_token(_grant(), settings_of(client), now=int(time.time()) - 3600)
    response = anonymous_client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "expired" in response.json()["error_description"]
    assert anonymous_client.get("/oauth/userinfo").status_code == 401
