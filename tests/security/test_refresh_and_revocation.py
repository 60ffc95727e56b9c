"""Refresh tokens rotate at every use; a reused one revokes its whole family. Revocation and introspection."""

from __future__ import annotations

import pytest

from dsn.security.authentication import AuthenticationError, authenticate

from .support import AuthRequest, add_app, add_patient_user, engine_of, login_for_tokens, settings_of, use_fake_clock


def _refresh(client, refresh_token: str, **extra: str):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "app"} | extra
    return client.post("/oauth/token", data=form)


def _tokens(client, scope: str = "openid patient/*.rs patient/Observation.rs offline_access") -> dict:
    add_patient_user(client)
    add_app(client)
    return login_for_tokens(client, AuthRequest(scope=scope), "marie")


def _valid(client, access_token: str) -> bool:
    try:
        authenticate(f"Bearer {access_token}", settings=settings_of(client), engine=engine_of(client))
    except AuthenticationError:
        return False
    return True


def test_a_refresh_gives_new_tokens_and_a_new_refresh_token(client):
    first = _tokens(client)
    second = _refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert body["patient"] == "pat-marie"
    assert body["scope"] == first["scope"]
    assert _valid(client, body["access_token"])


def test_reusing_a_refresh_token_revokes_the_whole_family(client):
    first = _tokens(client)
    second = _refresh(client, first["refresh_token"]).json()

    replay = _refresh(client, first["refresh_token"])  # an attacker's copy of the old token
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"

    assert _refresh(client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert not _valid(client, second["access_token"])


def test_a_refresh_may_narrow_scopes_but_never_widen_them(client):
    first = _tokens(client)
    narrower = _refresh(client, first["refresh_token"], scope="patient/Observation.rs offline_access").json()
    assert narrower["scope"] == "patient/Observation.rs offline_access"

    wider = _refresh(client, narrower["refresh_token"], scope="patient/*.cruds")
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


def test_a_refresh_token_belongs_to_the_client_it_was_issued_to(client):
    first = _tokens(client)
    add_app(client, client_id="other-app")
    response = _refresh(client, first["refresh_token"], client_id="other-app")
    assert response.json()["error"] == "invalid_grant"


def test_the_family_expires_after_the_refresh_lifetime(client):
    clock = use_fake_clock(client)
    first = _tokens(client)
    clock.advance(8 * 3600 + 1)
    assert _refresh(client, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_disabled_user_can_no_longer_refresh(client):
    from dsn.security.users import set_active

    first = _tokens(client)
    set_active(engine_of(client), "marie", False)
    assert _refresh(client, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_a_refresh_token_ends_the_grant(client):
    first = _tokens(client)
    response = client.post("/oauth/revoke", data={"token": first["refresh_token"], "client_id": "app"})
    assert response.status_code == 200
    assert _refresh(client, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert not _valid(client, first["access_token"])


def test_revoking_an_access_token_makes_it_unusable_at_once(client):
    first = _tokens(client)
    assert client.post("/oauth/revoke", data={"token": first["access_token"], "client_id": "app"}).status_code == 200
    with pytest.raises(AuthenticationError, match="revoked"):
        authenticate(f"Bearer {first['access_token']}", settings=settings_of(client), engine=engine_of(client))


def test_a_client_cannot_revoke_another_clients_tokens(client):
    first = _tokens(client)
    add_app(client, client_id="other-app")
    assert (
        client.post("/oauth/revoke", data={"token": first["access_token"], "client_id": "other-app"}).status_code == 200
    )
    assert _valid(client, first["access_token"])


def test_revoking_an_unknown_token_answers_200(client):
    add_app(client)
    assert client.post("/oauth/revoke", data={"token": "nonsense", "client_id": "app"}).status_code == 200


def test_introspection_describes_live_tokens_to_an_authenticated_client(client):
    first = _tokens(client)
    _, secret = add_app(client, kind="confidential", client_id="resource-server")
    auth = ("resource-server", secret)

    active = client.post("/oauth/introspect", data={"token": first["access_token"]}, auth=auth).json()
    assert active["active"] is True
    assert active["client_id"] == "app"
    assert active["patient"] == "pat-marie"
    assert "patient/*.rs" in active["scope"].split()

    refresh = client.post("/oauth/introspect", data={"token": first["refresh_token"]}, auth=auth).json()
    assert refresh["active"] is True

    client.post("/oauth/revoke", data={"token": first["access_token"], "client_id": "app"})
    assert client.post("/oauth/introspect", data={"token": first["access_token"]}, auth=auth).json() == {
        "active": False
    }
    assert client.post("/oauth/introspect", data={"token": "garbage"}, auth=auth).json() == {"active": False}


def test_introspection_is_closed_to_public_clients(client):
    first = _tokens(client)
    response = client.post("/oauth/introspect", data={"token": first["access_token"], "client_id": "app"})
    assert response.status_code == 401
