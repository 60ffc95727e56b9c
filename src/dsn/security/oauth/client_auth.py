"""Who is asking the token, revocation and introspection endpoints.

* ``none``: a public client names itself with ``client_id`` (PKCE protects its codes).
* ``client_secret_basic`` / ``client_secret_post``: confidential apps.
* ``private_key_jwt`` (RFC 7523, SMART Backend Services): a JWT signed RS384 or ES384
  with a key from the client's registered JWKS or ``jwks_uri``; ``iss`` = ``sub`` =
  client id, ``aud`` = the token endpoint, ``exp`` at most five minutes ahead, and a
  ``jti`` never seen before from that client (replays are refused until ``exp``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.clients import ASSERTION_ALGORITHMS, Client, get_client, verify_secret
from dsn.security.oauth.assertion import ASSERTION_TYPE
from dsn.security.oauth.errors import OAuthError, invalid_client
from dsn.security.oauth.jti import remember_once
from dsn.security.remote_jwks import JwksCache, JwksUnavailable, key_set
from dsn.security.tokens import TokenError, check_claims, unverified_header_and_claims

MAX_ASSERTION_LIFETIME = 300
LEEWAY = 5
CLIENT_JWKS = JwksCache()  # keys fetched from clients' jwks_uri, shared by the token endpoints


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    client: Client
    method: str  # none | client_secret_basic | client_secret_post | private_key_jwt

    @property
    def confidential(self) -> bool:
        return self.method != "none"


def token_endpoint(settings: Settings) -> str:
    return f"{settings.issuer_url()}/oauth/token"


def authenticate_client(
    form: dict[str, str],
    authorization: str | None,
    *,
    engine: Engine,
    settings: Settings,
    jwks_cache: JwksCache,
    now: int,
) -> AuthenticatedClient:
    """The calling client, or ``invalid_client`` (401)."""
    jwks_cache.ttl = settings.client_jwks_cache_seconds
    basic = _basic_credentials(authorization)
    if form.get("client_assertion") or form.get("client_assertion_type"):
        return _private_key_jwt(form, engine=engine, settings=settings, jwks_cache=jwks_cache, now=now)
    if basic is not None:
        client_id, secret = basic
        client = _active_client(engine, client_id, basic=True)
        if not verify_secret(client, secret):
            raise invalid_client("client authentication failed", basic=True)
        return AuthenticatedClient(client, "client_secret_basic")
    client_id = form.get("client_id", "")
    client = _active_client(engine, client_id)
    if form.get("client_secret"):
        if not verify_secret(client, form["client_secret"]):
            raise invalid_client("client authentication failed")
        return AuthenticatedClient(client, "client_secret_post")
    if client.kind != "public":
        raise invalid_client(f"client '{client_id}' must authenticate (secret or private_key_jwt)")
    return AuthenticatedClient(client, "none")


def _active_client(engine: Engine, client_id: str, *, basic: bool = False) -> Client:
    if not client_id:
        raise invalid_client("client_id is required", basic=basic)
    client = get_client(engine, client_id)
    if client is None or not client.active:
        raise invalid_client(f"unknown or disabled client '{client_id}'", basic=basic)
    return client


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_client("malformed Basic credentials", basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise invalid_client("malformed Basic credentials", basic=True)
    return unquote(client_id), unquote(secret)


def _private_key_jwt(
    form: dict[str, str], *, engine: Engine, settings: Settings, jwks_cache: JwksCache, now: int
) -> AuthenticatedClient:
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise invalid_client(f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = form.get("client_assertion", "")
    try:
        header, unverified = unverified_header_and_claims(assertion)
    except TokenError as exc:
        raise invalid_client(f"client assertion: {exc}") from None
    client_id = unverified.get("iss")
    if not isinstance(client_id, str) or unverified.get("sub") != client_id:
        raise invalid_client("client assertion: iss and sub must both be the client id")
    if form.get("client_id") and form["client_id"] != client_id:
        raise invalid_client("client_id does not match the client assertion")
    client = _active_client(engine, client_id)
    alg = header.get("alg")
    if alg not in ASSERTION_ALGORITHMS:
        raise invalid_client(f"client assertion: algorithm {alg!r} is not accepted ({', '.join(ASSERTION_ALGORITHMS)})")
    key = _client_key(client, header.get("kid"), jwks_cache)
    try:
        claims = jwt.decode(assertion, key, algorithms=[alg]).claims
    except JoseError:
        raise invalid_client("client assertion: the signature does not verify with the client's keys") from None
    try:
        check_claims(claims, issuer=client_id, audience=token_endpoint(settings), now=now)
    except TokenError as exc:
        raise invalid_client(f"client assertion: {exc}") from None
    exp, jti = claims.get("exp"), claims.get("jti")
    if not isinstance(exp, int) or exp > now + MAX_ASSERTION_LIFETIME + LEEWAY:
        raise invalid_client("client assertion: exp must be at most five minutes ahead")
    if not isinstance(jti, str) or not jti:
        raise invalid_client("client assertion: jti is required")
    if not remember_once(engine, client_id, jti, exp + LEEWAY):
        raise invalid_client("client assertion: this jti was already used (replay)")
    return AuthenticatedClient(client, "private_key_jwt")


def _client_key(client: Client, kid: str | None, jwks_cache: JwksCache):
    if not client.has_keys:
        raise invalid_client(f"client '{client.client_id}' has no registered keys")
    try:
        if client.jwks:
            keys = key_set(client.jwks)
            found = next((k for k in keys.keys if k.kid == kid), None) if kid else None
            if found is None and kid is None and len(keys.keys) == 1:
                found = keys.keys[0]
        else:
            assert client.jwks_uri is not None
            found = jwks_cache.key(client.jwks_uri, kid)
    except JwksUnavailable as exc:
        raise OAuthError("invalid_client", f"client keys unavailable: {exc}", 401) from None
    if found is None:
        raise invalid_client(f"client assertion: no registered key with kid {kid!r}")
    return found
