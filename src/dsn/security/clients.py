"""OAuth clients: SMART apps (public or confidential) and backend services.

* ``public``: a browser or native app; authenticates with PKCE only.
* ``confidential``: a server-side app with a client secret (stored as a SHA-256 digest:
  the secret is 256 random bits, so a slow hash would add nothing).
* ``backend``: a SMART Backend Service; authenticates with ``private_key_jwt`` against
  its registered JWKS (inline or at ``jwks_uri``) and gets ``system/`` scopes through
  ``client_credentials``.

``scope`` is the most a client may ever be granted; requests are narrowed to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import Engine, insert, select, update

from dsn.security.remote_jwks import key_set
from dsn.security.scopes import ScopeError, parse_scope
from dsn.security.storage import now_s, reading, writing
from dsn.store.security_schema import oauth_client

KINDS = ("public", "confidential", "backend")
ASSERTION_ALGORITHMS = ("RS384", "ES384")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")


class ClientError(ValueError):
    """A client cannot be registered or changed as asked."""


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    name: str
    kind: str
    secret_hash: str | None
    redirect_uris: tuple[str, ...]
    scope: tuple[str, ...]
    jwks: dict[str, Any] | None
    jwks_uri: str | None
    active: bool

    @property
    def has_keys(self) -> bool:
        return bool(self.jwks or self.jwks_uri)


def _client(row: Any) -> Client:
    return Client(
        client_id=row.client_id,
        name=row.name,
        kind=row.kind,
        secret_hash=row.secret_hash,
        redirect_uris=tuple(json.loads(row.redirect_uris or "[]")),
        scope=tuple((row.scope or "").split()),
        jwks=json.loads(row.jwks) if row.jwks else None,
        jwks_uri=row.jwks_uri,
        active=bool(row.active),
    )


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_secret(client: Client, secret: str) -> bool:
    if not client.secret_hash or not secret:
        return False
    return hmac.compare_digest(client.secret_hash, secret_digest(secret))


def check_scopes(scopes: list[str]) -> None:
    for text in scopes:
        try:
            parse_scope(text)
        except ScopeError as exc:
            raise ClientError(str(exc)) from None


def register_client(
    engine: Engine,
    name: str,
    *,
    kind: str,
    scopes: list[str],
    client_id: str | None = None,
    redirect_uris: list[str] | None = None,
    jwks: dict[str, Any] | None = None,
    jwks_uri: str | None = None,
) -> tuple[Client, str | None]:
    """Register a client; returns it with its secret (confidential clients only, shown once)."""
    if kind not in KINDS:
        raise ClientError(f"unknown client kind '{kind}' (one of {', '.join(KINDS)})")
    client_id = client_id or secrets.token_urlsafe(12)
    if not _CLIENT_ID.match(client_id):
        raise ClientError("a client id is 1 to 100 characters of [A-Za-z0-9._~-]")
    check_scopes(scopes)
    redirect_uris = redirect_uris or []
    if kind in ("public", "confidential") and not redirect_uris:
        raise ClientError("an app that uses the authorization code flow needs --redirect-uri")
    for uri in redirect_uris:
        if not uri.startswith(("https://", "http://")) or "#" in uri:
            raise ClientError(f"redirect URI '{uri}' must be an absolute http(s) URL without a fragment")
    if kind == "backend" and any(not s.startswith("system/") for s in scopes if parse_scope(s) is not None):
        raise ClientError("a backend service is granted system/ scopes only")
    if jwks is not None:
        key_set(jwks)  # refuse an unusable JWKS now rather than at the first token request
    secret = secrets.token_urlsafe(32) if kind == "confidential" else None
    with writing(engine) as conn:
        if conn.execute(select(oauth_client.c.client_id).where(oauth_client.c.client_id == client_id)).first():
            raise ClientError(f"client id '{client_id}' is taken")
        conn.execute(
            insert(oauth_client).values(
                client_id=client_id,
                name=name,
                kind=kind,
                secret_hash=secret_digest(secret) if secret else None,
                redirect_uris=json.dumps(redirect_uris),
                origins="[]",
                scope=" ".join(scopes),
                jwks=json.dumps(jwks) if jwks else None,
                jwks_uri=jwks_uri,
                active=True,
                created=now_s(),
            )
        )
    found = get_client(engine, client_id)
    assert found is not None
    return found, secret


def get_client(engine: Engine, client_id: str) -> Client | None:
    with reading(engine) as conn:
        row = conn.execute(select(oauth_client).where(oauth_client.c.client_id == client_id)).first()
    return _client(row) if row else None


def list_clients(engine: Engine) -> list[Client]:
    with reading(engine) as conn:
        rows = conn.execute(select(oauth_client).order_by(oauth_client.c.client_id)).all()
    return [_client(row) for row in rows]


def set_keys(engine: Engine, client_id: str, *, jwks: dict[str, Any] | None, jwks_uri: str | None) -> None:
    if jwks is not None:
        key_set(jwks)
    with writing(engine) as conn:
        conn.execute(
            update(oauth_client)
            .where(oauth_client.c.client_id == client_id)
            .values(jwks=json.dumps(jwks) if jwks else None, jwks_uri=jwks_uri)
        )


def set_active(engine: Engine, client_id: str, active: bool) -> None:
    with writing(engine) as conn:
        result = conn.execute(update(oauth_client).where(oauth_client.c.client_id == client_id).values(active=active))
    if not result.rowcount:
        raise ClientError(f"no client '{client_id}'")


def generate_client_key(alg: str = "RS384") -> tuple[dict[str, Any], dict[str, Any]]:
    """A new key pair for a backend client: (private JWK to hand over, public JWKS to register)."""
    if alg not in ASSERTION_ALGORITHMS:
        raise ClientError(f"client keys sign with {' or '.join(ASSERTION_ALGORITHMS)}")
    parameters = {"alg": alg, "use": "sig"}
    key = RSAKey.generate_key(3072, parameters) if alg == "RS384" else ECKey.generate_key("P-384", parameters)
    key.ensure_kid()
    private = key.as_dict(private=True)
    public = key.as_dict(private=False)
    return private, {"keys": [public]}
