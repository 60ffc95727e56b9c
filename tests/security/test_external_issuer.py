"""Tokens from an external OpenID Connect issuer (a province's own IdP), run by the test itself."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from dsn.security.authentication import AuthenticationError, authenticate
from dsn.security.users import link_child

from .support import BASE_URL, add_clinician, add_patient_user, engine_of, settings_of


@pytest.fixture(scope="module")
def idp_key() -> RSAKey:
    key = RSAKey.generate_key(2048, {"alg": "RS256", "use": "sig"})
    key.ensure_kid()
    return key


@pytest.fixture
def idp(key_server, idp_key):
    """An identity provider: its JWKS served over HTTP, tokens signed with its key."""
    key_server.documents["/realms/sante/certs"] = {"keys": [idp_key.as_dict(private=False)]}
    issuer = f"{key_server.url}/realms/sante"

    def issue(**claims):
        now = int(time.time())
        body = {"iss": issuer, "aud": BASE_URL, "sub": "idp-123", "iat": now, "exp": now + 300, "jti": "idp-jti"}
        body.update(claims)
        return jwt.encode({"alg": "RS256", "kid": idp_key.kid}, body, idp_key, algorithms=["RS256"])

    issue.issuer = issuer
    issue.jwks_url = f"{issuer}/certs"
    return issue


def _configure(client, idp, claims: dict[str, str]) -> None:
    settings = settings_of(client)
    entry = {"issuer": idp.issuer, "jwks_url": idp.jwks_url, "claims": claims}
    client.app.state.settings = settings.model_copy(update={"external_issuers": [entry]})


def _auth(client, token: str):
    return authenticate(f"Bearer {token}", settings=client.app.state.settings, engine=engine_of(client))


def test_an_external_token_naming_a_local_user_gets_that_users_role_and_organization(client, idp):
    add_clinician(client, "drtremblay", role="physician")
    _configure(client, idp, {"username": "preferred_username"})
    caller = _auth(client, idp(preferred_username="drtremblay", scope="user/*.rs"))
    assert (caller.kind, caller.role, caller.organization, caller.region) == ("user", "physician", "org-chu", "04")
    assert caller.fhir_user == "Practitioner/prac-drtremblay"
    assert caller.scopes == ("user/*.rs",)


def test_an_external_patient_token_carries_represented_children(client, idp):
    add_patient_user(client)
    link_child(engine_of(client), "marie", "pat-child")
    _configure(client, idp, {"username": "preferred_username"})
    caller = _auth(client, idp(preferred_username="marie", scope=["patient/*.rs"], patient="pat-child"))
    assert caller.patients == ("pat-marie", "pat-child")
    assert caller.launch_patient == "pat-child"


def test_claims_can_carry_role_organization_and_region_directly(client, idp):
    _configure(client, idp, {"role": "role", "organization": "org", "region": "region", "fhir_user": "fhirUser"})
    token = idp(role="nurse", org="org-9", region="06", fhirUser="Practitioner/n9", scope="user/*.rs", name="Inf. Roy")
    caller = _auth(client, token)
    assert (caller.role, caller.organization, caller.region, caller.display) == ("nurse", "org-9", "06", "Inf. Roy")
    assert caller.subject == "idp-123"


def test_an_external_token_naming_no_known_user_is_refused(client, idp):
    _configure(client, idp, {"username": "preferred_username"})
    with pytest.raises(AuthenticationError, match="no active DSN user"):
        _auth(client, idp(preferred_username="ghost"))


def test_an_external_token_for_another_audience_is_refused(client, idp):
    add_clinician(client)
    _configure(client, idp, {"username": "preferred_username"})
    with pytest.raises(AuthenticationError, match="audience"):
        _auth(client, idp(preferred_username="drtremblay", aud="https://elsewhere.example"))


def test_an_issuer_that_is_not_configured_is_not_trusted(client, idp):
    add_clinician(client)
    with pytest.raises(AuthenticationError, match="issuer is not trusted"):
        _auth(client, idp(preferred_username="drtremblay"))


def test_a_token_claiming_the_idp_but_signed_elsewhere_is_refused(client, idp, idp_key):
    add_clinician(client)
    _configure(client, idp, {"username": "preferred_username"})
    impostor = RSAKey.generate_key(2048)
    now = int(time.time())
    claims = {"iss": idp.issuer, "aud": BASE_URL, "sub": "x", "exp": now + 60, "preferred_username": "drtremblay"}
    token = jwt.encode({"alg": "RS256", "kid": idp_key.kid}, claims, impostor, algorithms=["RS256"])
    with pytest.raises(AuthenticationError, match="signature"):
        _auth(client, token)


def test_the_fhir_api_accepts_the_external_token(client, idp, anonymous_client):
    add_clinician(client)
    _configure(client, idp, {"username": "preferred_username"})
    token = idp(preferred_username="drtremblay", scope="user/*.rs")
    assert anonymous_client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}).json()["fhirUser"] == (
        "Practitioner/prac-drtremblay"
    )
