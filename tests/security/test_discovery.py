"""Discovery: SMART configuration (at the FHIR base and the root), OpenID configuration, CapabilityStatement block."""

from __future__ import annotations

from dsn.security.oauth.discovery import capability_security


def test_smart_configuration_is_served_under_the_fhir_base_and_at_the_root(anonymous_client):
    for path in ("/fhir/.well-known/smart-configuration", "/.well-known/smart-configuration"):
        response = anonymous_client.get(path)
        assert response.status_code == 200
        config = response.json()
        assert config["authorization_endpoint"] == "http://testserver/oauth/authorize"
        assert config["token_endpoint"] == "http://testserver/oauth/token"
        assert config["jwks_uri"] == "http://testserver/jwks"
        assert config["code_challenge_methods_supported"] == ["S256"]
        assert config["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
        assert {"launch-ehr", "launch-standalone", "permission-v2", "sso-openid-connect"} <= set(config["capabilities"])


def test_openid_configuration_names_the_issuer_and_its_keys(anonymous_client):
    config = anonymous_client.get("/.well-known/openid-configuration").json()
    assert config["issuer"] == "http://testserver"
    assert config["id_token_signing_alg_values_supported"] == ["ES256"]
    assert config["userinfo_endpoint"] == "http://testserver/oauth/userinfo"


def test_the_capability_statement_security_block_carries_the_oauth_uris(settings):
    security = capability_security(settings)
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris["authorize"] == "http://testserver/oauth/authorize"
    assert uris["token"] == "http://testserver/oauth/token"
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_the_issuer_defaults_to_the_base_url_without_fhir(settings):
    assert settings.issuer_url() == "http://testserver"
    assert settings.model_copy(update={"issuer": "https://login.dsn.example/"}).issuer_url() == (
        "https://login.dsn.example"
    )
