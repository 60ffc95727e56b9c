"""Client assertions (RFC 7523) as a backend service builds them: for ``dsn token``, docs and tests.

DSN only verifies assertions in production; this is the other side, so operators and
the test suite exercise exactly what an external backend service sends.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, Key, RSAKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def load_private_jwk(document: dict[str, Any]) -> tuple[Key, str]:
    """The key and its algorithm (``alg`` member, else RS384 for RSA and ES384 for EC)."""
    kty = document.get("kty")
    if kty == "RSA":
        return RSAKey.import_key(document), document.get("alg", "RS384")
    if kty == "EC":
        return ECKey.import_key(document), document.get("alg", "ES384")
    raise ValueError(f"unsupported key type {kty!r} (RSA or EC)")


def client_assertion(
    client_id: str,
    token_endpoint: str,
    key: Key,
    alg: str,
    *,
    lifetime: int = 60,
    jti: str | None = None,
    now: int | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    moment = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_endpoint,
        "exp": moment + lifetime,
        "iat": moment,
        "jti": jti or secrets.token_urlsafe(16),
    }
    claims.update(extra_claims or {})
    key.ensure_kid()
    header = {"alg": alg, "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, key, algorithms=[alg])
