"""SMART Backend Services: client_credentials with private_key_jwt (RS384 / ES384)."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import RSAKey

from dsn.security.authentication import authenticate
from dsn.security.clients import register_client
from dsn.security.oauth.assertion import ASSERTION_TYPE, client_assertion, load_private_jwk

from .support import bearer, engine_of, settings_of

TOKEN_URL = "http://testserver/oauth/token"


def _register(client, public_jwks=None, *, jwks_uri=None, scope="system/*.rs", client_id="lab-feed"):
    register_client(
        engine_of(client),
        "Lab feed",
        kind="backend",
        scopes=scope.split(),
        client_id=client_id,
        jwks=public_jwks,
        jwks_uri=jwks_uri,
    )


def _request(client, assertion: str, scope: str = "system/*.rs"):
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    return client.post("/oauth/token", data=form)


def _assertion(private_jwk, client_id="lab-feed", **kwargs) -> str:
    key, alg = load_private_jwk(private_jwk)
    return client_assertion(client_id, TOKEN_URL, key, kwargs.pop("alg", alg), **kwargs)


@pytest.mark.parametrize("key_fixture", ["rs384_key", "es384_key"])
def test_a_backend_service_gets_a_token_and_searches(client, request, key_fixture):
    private, public = request.getfixturevalue(key_fixture)
    _register(client, public)
    response = _request(client, _assertion(private))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "system/*.rs"
    assert body["expires_in"] == 300
    assert "refresh_token" not in body

    caller = authenticate(f"Bearer {body['access_token']}", settings=settings_of(client), engine=engine_of(client))
    assert (caller.kind, caller.subject, caller.role, caller.scopes) == ("client", "lab-feed", None, ("system/*.rs",))
    search = client.get("/fhir/Observation?_count=1", headers=bearer(body["access_token"]))
    assert search.status_code == 200, search.text
    assert search.json()["resourceType"] == "Bundle"


def test_a_replayed_assertion_is_refused(client, es384_key):
    private, public = es384_key
    _register(client, public)
    assertion = _assertion(private)
    assert _request(client, assertion).status_code == 200
    replay = _request(client, assertion)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"
    assert "jti" in replay.json()["error_description"]


def test_the_same_jti_from_another_client_is_not_a_replay(client, es384_key):
    private, public = es384_key
    _register(client, public)
    _register(client, public, client_id="pharmacy-feed")
    assert _request(client, _assertion(private, jti="shared-id")).status_code == 200
    assert _request(client, _assertion(private, client_id="pharmacy-feed", jti="shared-id")).status_code == 200


def test_an_assertion_for_another_audience_is_refused(client, es384_key):
    private, public = es384_key
    _register(client, public)
    key, alg = load_private_jwk(private)
    assertion = client_assertion("lab-feed", "https://other.example/token", key, alg)
    assert _request(client, assertion).json()["error"] == "invalid_client"


def test_expired_or_too_long_lived_assertions_are_refused(client, es384_key):
    private, public = es384_key
    _register(client, public)
    expired = _assertion(private, now=int(time.time()) - 600)
    assert _request(client, expired).json()["error"] == "invalid_client"
    too_long = _assertion(private, lifetime=3600)
    assert "five minutes" in _request(client, too_long).json()["error_description"]


def test_an_assertion_signed_by_an_unregistered_key_is_refused(client, es384_key, rs384_key):
    _, public = es384_key
    other_private, _ = rs384_key
    _register(client, public)
    assert _request(client, _assertion(other_private)).json()["error"] == "invalid_client"


def test_only_rs384_and_es384_assertions_are_accepted(client):
    key = RSAKey.generate_key(2048, {"alg": "RS256"})
    key.ensure_kid()
    _register(client, {"keys": [key.as_dict(private=False)]})
    assertion = client_assertion("lab-feed", TOKEN_URL, key, "RS256")
    assert "not accepted" in _request(client, assertion).json()["error_description"]


def test_scope_escalation_by_a_backend_service_is_narrowed_or_refused(client, es384_key):
    private, public = es384_key
    _register(client, public, scope="system/Observation.rs")
    narrowed = _request(client, _assertion(private), scope="system/*.cruds system/Observation.rs user/*.rs")
    assert narrowed.json()["scope"] == "system/Observation.rs"
    refused = _request(client, _assertion(private), scope="system/Patient.cruds")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


def test_keys_published_at_a_jwks_uri_are_fetched_and_cached(client, key_server, es384_key):
    private, public = es384_key
    key_server.documents["/lab/jwks.json"] = public
    _register(client, jwks_uri=f"{key_server.url}/lab/jwks.json")
    for _ in range(3):
        assert _request(client, _assertion(private)).status_code == 200
    assert key_server.hits["/lab/jwks.json"] == 1


def test_a_disabled_client_gets_nothing(client, es384_key):
    from dsn.security.clients import set_active

    private, public = es384_key
    _register(client, public)
    set_active(engine_of(client), "lab-feed", False)
    assert _request(client, _assertion(private)).status_code == 401


def test_an_app_cannot_use_client_credentials(client):
    register_client(
        engine_of(client), "App", kind="public", scopes=["system/*.rs"], client_id="app", redirect_uris=["https://a/cb"]
    )
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "app", "scope": "system/*.rs"}
    )
    assert response.json()["error"] == "unauthorized_client"
