"""``dsn users``, ``dsn clients``, ``dsn keys``, ``dsn regions`` and ``dsn token``."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from dsn.cli import app
from dsn.config import get_settings
from dsn.security.authentication import authenticate
from dsn.security.clients import get_client
from dsn.security.regions import get_region
from dsn.security.signing import forget_key_rings
from dsn.security.users import find_user, patients_of
from dsn.service.context import system_context

runner = CliRunner()


@pytest.fixture
def cli(settings, monkeypatch, tmp_path):
    """Run ``dsn …`` against the test database and data folder."""
    monkeypatch.setenv("DSN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DSN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DSN_BASE_URL", settings.base_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()

    def run(*args: str, input: str | None = None):
        result = runner.invoke(app, list(args), input=input)
        assert result.exit_code == 0, result.output
        return result

    yield run
    get_settings.cache_clear()


def test_users_add_creates_a_clinician_with_practitioner_and_role(cli, engine, service):
    result = cli(
        "users",
        "add",
        "drgagnon",
        "--role",
        "physician",
        "--organization",
        "org-chu",
        "--region",
        "04",
        "--create-practitioner",
        "--given",
        "Luc",
        "--family",
        "Gagnon",
        "--password",
        "un mot de passe",
    )
    user = find_user(engine, "drgagnon")
    assert user.display_name == "Luc Gagnon"
    assert f"Practitioner/{user.practitioner_id}" in result.output
    role = service.read(system_context(), "PractitionerRole", user.practitioner_role_id).resource
    assert role["organization"]["reference"] == "Organization/org-chu"
    assert role["code"][0]["coding"][0]["code"] == "doctor"


def test_users_add_patient_then_link_child(cli, engine):
    cli("users", "add", "marie", "--role", "patient", "--patient", "pat-1", input="pw-123456\npw-123456\n")
    cli("users", "link-child", "marie", "pat-2")
    user = find_user(engine, "marie")
    assert user.password_hash.startswith("$argon2id$")
    assert patients_of(engine, user) == ("pat-1", "pat-2")


def test_users_add_with_totp_prints_the_otpauth_uri(cli, engine):
    result = cli("users", "add", "dpo", "--role", "privacy_officer", "--totp", "--password", "long enough")
    assert "otpauth://totp/DSN:dpo" in result.output
    assert find_user(engine, "dpo").totp_secret


def test_users_add_refuses_a_clinician_without_organization(cli, settings):
    result = runner.invoke(app, ["users", "add", "x", "--role", "nurse", "--password", "pw"])
    assert result.exit_code == 2
    assert "--organization" in result.output


def test_clients_add_generate_key_writes_a_private_key_the_token_endpoint_accepts(cli, client, tmp_path, engine):
    result = cli(
        "clients",
        "add",
        "Registre",
        "--client-id",
        "registry",
        "--scope",
        "system/*.rs",
        "--generate-key",
        "--alg",
        "ES384",
    )
    key_file = tmp_path / "registry.private.jwk"
    assert "registry.private.jwk" in result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert json.loads(key_file.read_text())["d"]
    registered = get_client(engine, "registry")
    assert registered.kind == "backend" and "d" not in registered.jwks["keys"][0]

    assertion = cli("clients", "assertion", "registry", "--key", str(key_file)).output.strip()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "scope": "system/*.rs",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code == 200, response.text


def test_dsn_token_mints_a_token_for_a_backend_client_on_the_server_host(cli, settings, engine):
    cli(
        "clients",
        "add",
        "Registre",
        "--client-id",
        "registry",
        "--scope",
        "system/*.rs",
        "--generate-key",
        "--alg",
        "ES384",
    )
    token = cli("token", "registry", "--scope", "system/Observation.rs system/*.cruds").output.strip()
    caller = authenticate(f"Bearer {token}", settings=settings, engine=engine)
    assert (caller.kind, caller.subject, caller.scopes) == ("client", "registry", ("system/Observation.rs",))


def test_keys_rotate_keeps_the_previous_key_published(cli, settings):
    cli("keys", "list")
    cli("keys", "rotate")
    forget_key_rings()
    listing = cli("keys", "list").output
    assert listing.count("ES256") == 2 and "current" in listing and "retired at" in listing


def test_regions_add_and_go_live(cli, engine):
    cli("regions", "add", "04", "CIUSSS de la Mauricie-et-du-Centre-du-Québec", "--organization", "org-04")
    assert get_region(engine, "04").live is False
    cli("regions", "set-live", "04")
    assert get_region(engine, "04").live is True
    assert "Mauricie" in cli("regions", "list").output
    cli("regions", "add", "06", "CIUSSS du Nord-de-l'Île-de-Montréal", "--live")
    assert get_region(engine, "06").live is True


def test_serve_speaks_https_when_a_certificate_is_configured(cli, monkeypatch, tmp_path):
    import uvicorn

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: captured.update(options))
    monkeypatch.setenv("DSN_TLS_CERTFILE", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("DSN_TLS_KEYFILE", str(tmp_path / "key.pem"))
    get_settings.cache_clear()
    result = cli("serve", "--port", "8443")
    assert "https://127.0.0.1:8443/fhir" in result.output
    assert captured["ssl_certfile"].endswith("cert.pem") and captured["ssl_keyfile"].endswith("key.pem")


def test_serve_refuses_half_a_tls_configuration(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DSN_TLS_CERTFILE", str(tmp_path / "cert.pem"))
    get_settings.cache_clear()
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
