"""From an ``Authorization`` header to a :class:`~dsn.service.context.Caller`.

The one entry point of token authentication for every way in. No header means an
anonymous caller (the access policy decides what, if anything, it may do); any other
problem is an :class:`AuthenticationError`, answered 401 with
``WWW-Authenticate: Bearer error="invalid_token"``. A token is routed by its ``iss``
to DSN's own verifier or to the configured external issuer; nothing is trusted
before its signature is checked against that issuer's keys.
"""

from __future__ import annotations

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.external_issuers import configured_issuers, external_caller, verify_external
from dsn.security.oauth.jti import is_revoked
from dsn.security.remote_jwks import JwksCache
from dsn.security.tokens import TokenError, caller_from_claims, unverified_header_and_claims, verify_access_token
from dsn.service.context import ANONYMOUS, Caller

MAX_TOKEN_LENGTH = 16_384


class AuthenticationError(Exception):
    """The request carries credentials that cannot be accepted; ``message`` is safe to return."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def www_authenticate(self) -> str:
        description = self.message.replace('"', "'")
        return f'Bearer error="invalid_token", error_description="{description}"'


_external_jwks = JwksCache()


def authenticate(authorization_header: str | None, *, settings: Settings, engine: Engine) -> Caller:
    if not authorization_header:
        return ANONYMOUS
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("expected 'Authorization: Bearer <access token>'")
    if len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationError("the token is too long")
    try:
        header, unverified = unverified_header_and_claims(token)
        issuer = unverified.get("iss")
        if issuer == settings.issuer_url():
            claims = verify_access_token(token, settings)
            if is_revoked(engine, claims["jti"]):
                raise TokenError("the token has been revoked")
            return caller_from_claims(claims)
        external = configured_issuers(settings).get(issuer) if isinstance(issuer, str) else None
        if external is None:
            raise TokenError("the token issuer is not trusted")
        _external_jwks.ttl = settings.client_jwks_cache_seconds
        claims = verify_external(token, header, external, _external_jwks)
        caller = external_caller(claims, token, external, engine)
        if caller.token_id and is_revoked(engine, caller.token_id):
            raise TokenError("the token has been revoked")
        return caller
    except TokenError as exc:
        raise AuthenticationError(str(exc)) from None
