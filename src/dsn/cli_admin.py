"""Administration commands: ``dsn users``, ``dsn clients``, ``dsn keys``, ``dsn regions``, ``dsn token``.

They work on the configured database and data folder directly (run them on the server
host); FHIR resources they create (a user's Practitioner and PractitionerRole) go
through the record service like any other write.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import typer

from dsn.config import Settings, get_settings

users_app = typer.Typer(help="People who log in: clinicians, patients, privacy officers, administrators.")
clients_app = typer.Typer(help="OAuth clients: SMART apps and backend services.")
keys_app = typer.Typer(help="Token-signing keys.")
regions_app = typer.Typer(help="Regions (CISSS/CIUSSS).")

# HL7 practitioner-role codes where one exists; DSN's own code for every role.
PRACTITIONER_ROLE_CODES = {"physician": "doctor", "nurse": "nurse", "pharmacist": "pharmacist"}
DSN_ROLE_SYSTEM = "https://dsn.sante.quebec/fhir/CodeSystem/dsn-role"


def _engine(settings: Settings | None = None) -> Any:
    from dsn.store.engine import make_engine
    from dsn.store.migrate import upgrade

    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    return engine


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


# -- users ----------------------------------------------------------------------------


@users_app.command("add")
def users_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., help="physician, nurse, pharmacist, clerk, patient, privacy_officer or admin."),
    display_name: str = typer.Option(None, "--name", help="Name shown in logs and pages."),
    organization: str = typer.Option(None, help="Organization id where the role is held."),
    region: str = typer.Option(None, help="Region code (e.g. 04)."),
    practitioner: str = typer.Option(None, help="Existing Practitioner id this user is."),
    practitioner_role: str = typer.Option(None, help="Existing PractitionerRole id."),
    create_practitioner: bool = typer.Option(
        False, help="Create the Practitioner and PractitionerRole (from --given/--family)."
    ),
    given: str = typer.Option(None, help="Given name for --create-practitioner."),
    family: str = typer.Option(None, help="Family name for --create-practitioner."),
    patient: str = typer.Option(None, help="Patient id (patient accounts)."),
    totp: bool = typer.Option(False, "--totp", help="Enrol a TOTP second factor and print its otpauth URI."),
    password: str = typer.Option(
        None, help="Password (default: prompted; DSN_NEW_PASSWORD is read when there is no terminal)."
    ),
    no_password: bool = typer.Option(False, help="No local password (the user logs in through an external IdP)."),
    locale: str = typer.Option("fr", help="fr or en."),
) -> None:
    """Create a user, linked to the FHIR resource they stand for."""
    from dsn.security import totp as totp_module
    from dsn.security.users import UserError, create_user

    settings = get_settings()
    engine = _engine(settings)
    secret = totp_module.new_secret() if totp else None
    chosen_password = None if no_password else _new_password(password)
    if create_practitioner or given or family:
        if role not in PRACTITIONER_ROLE_CODES and role != "clerk":
            raise _fail("--create-practitioner is for physician, nurse, pharmacist or clerk accounts", 2)
        if not organization:
            raise _fail("--create-practitioner needs --organization", 2)
        practitioner, practitioner_role = _create_practitioner(
            engine, settings, role, given or "", family or username, organization
        )
        display_name = display_name or " ".join(p for p in (given, family) if p)
    try:
        user = create_user(
            engine,
            username,
            role=role,
            display_name=display_name,
            password=chosen_password,
            practitioner_id=practitioner,
            practitioner_role_id=practitioner_role,
            patient_id=patient,
            organization_id=organization,
            region_code=region,
            totp_secret=secret,
            locale=locale,
        )
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"user {user.username} ({user.role}) id {user.id}" + (f" is {user.fhir_user}" if user.fhir_user else ""))
    if secret:
        typer.echo(f"TOTP: {totp_module.provisioning_uri(secret, username)}")
    elif user.privileged and settings.require_totp_for_privileged:
        typer.echo(f"note: a {role} must enrol TOTP before logging in (dsn users totp {username})", err=True)


def _new_password(given: str | None) -> str:
    if given:
        return given
    if not sys.stdin.isatty() and os.environ.get("DSN_NEW_PASSWORD"):
        return os.environ["DSN_NEW_PASSWORD"]
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _create_practitioner(
    engine: Any, settings: Settings, role: str, given: str, family: str, organization: str
) -> tuple[str, str]:
    from dsn.service.context import system_context
    from dsn.service.records import RecordService
    from dsn.store.session import Store

    service = RecordService(Store(engine), settings)
    name: dict[str, Any] = {"family": family}
    if given:
        name["given"] = [given]
    practitioner = service.create(
        system_context(), "Practitioner", {"resourceType": "Practitioner", "active": True, "name": [name]}
    )
    codings = [{"system": DSN_ROLE_SYSTEM, "code": role}]
    if role in PRACTITIONER_ROLE_CODES:
        codings.insert(
            0,
            {
                "system": "http://terminology.hl7.org/CodeSystem/practitioner-role",
                "code": PRACTITIONER_ROLE_CODES[role],
            },
        )
    practitioner_role = service.create(
        system_context(),
        "PractitionerRole",
        {
            "resourceType": "PractitionerRole",
            "active": True,
            "practitioner": {"reference": f"Practitioner/{practitioner.stored.res_id}"},
            "organization": {"reference": f"Organization/{organization}"},
            "code": [{"coding": codings}],
        },
    )
    service.close()
    return practitioner.stored.res_id, practitioner_role.stored.res_id


@users_app.command("list")
def users_list() -> None:
    """Every user, with role, organization, region and FHIR identity."""
    from dsn.security.users import list_users

    for user in list_users(_engine()):
        flags = [] if user.active else ["disabled"]
        if user.totp_secret:
            flags.append("totp")
        typer.echo(
            "\t".join(
                [
                    user.username,
                    user.role,
                    user.organization_id or "-",
                    user.region_code or "-",
                    user.fhir_user or "-",
                    ",".join(flags) or "-",
                ]
            )
        )


@users_app.command("link-child")
def users_link_child(
    username: str,
    patient_id: str,
    relationship: str = typer.Option("parent", help="parent or legal-representative."),
) -> None:
    """Let a parent or legal representative act for a child's Patient (under 14)."""
    from dsn.security.users import UserError, link_child

    try:
        link_child(_engine(), username, patient_id, relationship)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"{username} now represents Patient/{patient_id}")


@users_app.command("unlink-child")
def users_unlink_child(username: str, patient_id: str) -> None:
    from dsn.security.users import UserError, unlink_child

    try:
        unlink_child(_engine(), username, patient_id)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"{username} no longer represents Patient/{patient_id}")


@users_app.command("set-password")
def users_set_password(username: str, password: str = typer.Option(None)) -> None:
    from dsn.security.users import UserError, set_password

    try:
        set_password(_engine(), username, _new_password(password))
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"password of {username} changed")


@users_app.command("totp")
def users_totp(username: str, remove: bool = typer.Option(False, help="Remove the second factor.")) -> None:
    """Enrol (or re-enrol) a TOTP second factor; prints the otpauth URI to scan."""
    from dsn.security import totp as totp_module
    from dsn.security.users import UserError, set_totp_secret

    secret = None if remove else totp_module.new_secret()
    try:
        set_totp_secret(_engine(), username, secret)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"TOTP removed for {username}" if remove else f"TOTP: {totp_module.provisioning_uri(secret, username)}")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """Clear failed logins and a temporary lockout."""
    from dsn.security.users import UserError, unlock

    try:
        unlock(_engine(), username)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"{username} unlocked")


@users_app.command("disable")
def users_disable(username: str, enable: bool = typer.Option(False, "--enable", help="Re-enable instead.")) -> None:
    from dsn.security.users import UserError, set_active

    try:
        set_active(_engine(), username, enable)
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"{username} {'enabled' if enable else 'disabled'}")


# -- clients --------------------------------------------------------------------------


@clients_app.command("add")
def clients_add(
    name: str = typer.Argument(..., help="Human-readable name (shown on the login page)."),
    scope: list[str] = typer.Option(..., "--scope", help="Allowed scopes (repeat, or space-separated)."),
    kind: str = typer.Option(None, help="public, confidential or backend (default: backend with keys, else public)."),
    client_id: str = typer.Option(None, help="Client id (default: generated)."),
    redirect_uri: list[str] = typer.Option(None, "--redirect-uri", help="Registered redirect URI (repeat)."),
    generate_key: bool = typer.Option(False, help="Generate the client's key pair and write the private key."),
    alg: str = typer.Option("RS384", help="Key algorithm for --generate-key: RS384 or ES384."),
    key_out: Path = typer.Option(None, help="Where to write the private JWK (default: ./<client id>.private.jwk)."),
    jwks_file: Path = typer.Option(None, help="The client's public JWKS (JSON file)."),
    jwks_uri: str = typer.Option(None, help="URL where the client publishes its JWKS."),
) -> None:
    """Register a SMART app or backend service."""
    from dsn.security.clients import ClientError, generate_client_key, register_client

    scopes = [s for item in scope for s in item.split()]
    kind = kind or ("backend" if generate_key or jwks_file or jwks_uri else "public")
    private = None
    jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    try:
        if generate_key:
            private, jwks = generate_client_key(alg)
        client, secret = register_client(
            _engine(),
            name,
            kind=kind,
            scopes=scopes,
            client_id=client_id,
            redirect_uris=list(redirect_uri or []),
            jwks=jwks,
            jwks_uri=jwks_uri,
        )
    except (ClientError, ValueError) as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"client_id: {client.client_id}")
    typer.echo(f"kind: {client.kind}; scope: {' '.join(client.scope)}")
    if secret:
        typer.echo(f"client_secret: {secret}  (shown once)")
    if private is not None:
        path = key_out or Path(f"{client.client_id}.private.jwk")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(private, handle, indent=2)
        typer.echo(f"private key: {path} (kid {private['kid']}); keep it on the client's host only")


@clients_app.command("list")
def clients_list() -> None:
    from dsn.security.clients import list_clients

    for client in list_clients(_engine()):
        status = "active" if client.active else "disabled"
        typer.echo("\t".join([client.client_id, client.kind, status, client.name, " ".join(client.scope)]))


@clients_app.command("disable")
def clients_disable(client_id: str, enable: bool = typer.Option(False, "--enable")) -> None:
    from dsn.security.clients import ClientError, set_active

    try:
        set_active(_engine(), client_id, enable)
    except ClientError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"{client_id} {'enabled' if enable else 'disabled'}")


@clients_app.command("set-keys")
def clients_set_keys(
    client_id: str,
    jwks_file: Path = typer.Option(None, help="New public JWKS (JSON file)."),
    jwks_uri: str = typer.Option(None, help="New JWKS URL."),
) -> None:
    """Replace a backend client's registered keys (key rotation on the client's side)."""
    from dsn.security.clients import set_keys

    if not jwks_file and not jwks_uri:
        raise _fail("give --jwks-file or --jwks-uri", 2)
    set_keys(_engine(), client_id, jwks=json.loads(jwks_file.read_text()) if jwks_file else None, jwks_uri=jwks_uri)
    typer.echo(f"keys of {client_id} replaced")


@clients_app.command("assertion")
def clients_assertion(
    client_id: str,
    key: Path = typer.Option(..., help="The client's private JWK file."),
    token_url: str = typer.Option(None, help="Token endpoint (default: this server's)."),
) -> None:
    """Print a signed client assertion (private_key_jwt), e.g. to try the flow with curl."""
    from dsn.security.oauth.assertion import client_assertion, load_private_jwk
    from dsn.security.oauth.client_auth import token_endpoint

    private_key, alg = load_private_jwk(json.loads(key.read_text()))
    typer.echo(client_assertion(client_id, token_url or token_endpoint(get_settings()), private_key, alg))


# -- token ----------------------------------------------------------------------------


def token(
    client_id: str = typer.Argument(..., help="A registered backend client."),
    scope: str = typer.Option("system/*.rs", help="Requested scopes (space-separated)."),
    key: Path = typer.Option(
        None, help="Private JWK: obtain the token over HTTP with client_credentials + private_key_jwt."
    ),
    token_url: str = typer.Option(None, help="Token endpoint for --key (default: this server's)."),
) -> None:
    """Print an access token for a backend client.

    With ``--key`` it runs the standard flow against the token endpoint (as the client
    would); without, it signs one locally with the server key — for operators on the
    server host, within the client's registered scopes.
    """
    if key is not None:
        typer.echo(_token_over_http(client_id, scope, key, token_url))
        return
    from dsn.security.clients import get_client
    from dsn.security.oauth.scope_policy import backend_scopes
    from dsn.security.tokens import Grant, issue_access_token

    settings = get_settings()
    client = get_client(_engine(settings), client_id)
    if client is None or not client.active or client.kind != "backend":
        raise _fail(f"no active backend client '{client_id}'", 2)
    scopes = tuple(backend_scopes(scope.split(), client))
    if not scopes:
        raise _fail(f"none of '{scope}' is allowed for {client_id} ({' '.join(client.scope)})", 2)
    grant = Grant(kind="client", subject=client_id, client_id=client_id, scopes=scopes, display=client.name)
    access_token, _ = issue_access_token(grant, settings, now=int(time.time()))
    typer.echo(access_token)


def _token_over_http(client_id: str, scope: str, key: Path, token_url: str | None) -> str:
    import httpx

    from dsn.security.oauth.assertion import ASSERTION_TYPE, client_assertion, load_private_jwk
    from dsn.security.oauth.client_auth import token_endpoint

    url = token_url or token_endpoint(get_settings())
    private_key, alg = load_private_jwk(json.loads(key.read_text()))
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id, url, private_key, alg),
    }
    response = httpx.post(url, data=form, timeout=10)
    if response.status_code != 200:
        raise _fail(f"token endpoint answered {response.status_code}: {response.text}")
    return response.json()["access_token"]


# -- keys -----------------------------------------------------------------------------


@keys_app.command("rotate")
def keys_rotate(alg: str = typer.Option(None, help="ES256 or RS256 (default DSN_TOKEN_SIGNING_ALG).")) -> None:
    """Start signing with a new key; the old one stays published until its tokens expire."""
    from dsn.security.keys import prune_retired_keys, rotate_signing_key
    from dsn.security.signing import GRACE_SECONDS

    settings = get_settings()
    keep = settings.access_token_lifetime + GRACE_SECONDS
    prune_retired_keys(settings.data_dir, keep)
    retired, current = rotate_signing_key(settings.data_dir, alg or settings.token_signing_alg)
    typer.echo(f"new signing key: {current}")
    if retired:
        typer.echo(f"retired (published for {keep} s more): {retired}")


@keys_app.command("list")
def keys_list() -> None:
    """The published signing keys (what /jwks serves)."""
    from dsn.security.signing import key_ring

    ring = key_ring(get_settings())
    for entry in ring.published:
        state = "current" if entry.key.kid == ring.kid else f"retired at {entry.retired_at}"
        typer.echo(f"{entry.key.kid}\t{entry.alg}\t{state}")


@keys_app.command("prune")
def keys_prune() -> None:
    """Delete retired keys whose tokens have all expired."""
    from dsn.security.keys import prune_retired_keys
    from dsn.security.signing import GRACE_SECONDS

    settings = get_settings()
    for path in prune_retired_keys(settings.data_dir, settings.access_token_lifetime + GRACE_SECONDS):
        typer.echo(f"deleted {path}")


# -- regions --------------------------------------------------------------------------


@regions_app.command("add")
def regions_add(
    code: str,
    name: str,
    organization: str = typer.Option(None, help="The region's Organization id."),
    live: bool = typer.Option(False, "--live/--not-live", help="Whether the region is live."),
) -> None:
    """Add (or update) a region."""
    from dsn.security.regions import upsert_region

    region = upsert_region(_engine(), code, name, organization_id=organization, live=live)
    typer.echo(f"region {region.code} {region.name} ({'live' if region.live else 'not live'})")


@regions_app.command("list")
def regions_list() -> None:
    from dsn.security.regions import list_regions

    for region in list_regions(_engine()):
        typer.echo("\t".join([region.code, region.name, region.organization_id or "-", "live" if region.live else "-"]))


@regions_app.command("set-live")
def regions_set_live(code: str, live: bool = typer.Option(True, "--live/--not-live")) -> None:
    from dsn.security.regions import set_live

    try:
        set_live(_engine(), code, live)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"region {code} {'live' if live else 'not live'}")
