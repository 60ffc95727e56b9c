"""Access tokens from a province's own identity service (an external OpenID Connect issuer).

``DSN_EXTERNAL_ISSUERS`` is a JSON list; each entry::

    {"issuer": "https://idp.example/realms/sante",      # exact "iss"
     "jwks_url": "https://idp.example/realms/sante/certs",
     "audience": "https://dsn.example/fhir",             # default: DSN_BASE_URL
     "algorithms": ["RS256", "ES256"],                   # default: RS256 ES256 RS384 ES384 PS256
     "claims": {"username": "preferred_username"}}       # how a token names its user

Two ways to say who the user is (``claims``):

* ``username``: the claim holding a local DSN username; role, organization, region,
  FHIR identity and represented patients come from that ``app_user`` row (cached
  briefly), so the province's IdP only vouches for who logged in.
* otherwise the token carries the facts itself, under the claim names given for
  ``role``, ``organization``, ``region``, ``fhir_user``, ``patients``, ``display``.

``scope`` (default claim ``scope``, a space-separated string or a list) and ``patient``
(default ``patient``, the SMART launch patient) are read in both cases. The result is
the same :class:`~dsn.service.context.Caller` as for DSN's own tokens.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.remote_jwks import JwksCache, JwksUnavailable
from dsn.security.roles import ROLES
from dsn.security.tokens import TokenError, check_claims
from dsn.security.users import User, find_user, patients_of, user_caller
from dsn.service.context import Caller

DEFAULT_ALGORITHMS = ("RS256", "ES256", "RS384", "ES384", "PS256")
USER_CACHE_SECONDS = 30.0


class IssuerConfigError(ValueError):
    """``DSN_EXTERNAL_ISSUERS`` holds an entry DSN cannot use."""


@dataclass(frozen=True, slots=True)
class ExternalIssuer:
    issuer: str
    jwks_url: str
    audience: str
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    claims: dict[str, str] = field(default_factory=dict)

    def claim(self, name: str, default: str) -> str:
        return self.claims.get(name, default)


def configured_issuers(settings: Settings) -> dict[str, ExternalIssuer]:
    issuers = {}
    for entry in settings.external_issuers:
        if not isinstance(entry, dict) or not entry.get("issuer") or not entry.get("jwks_url"):
            raise IssuerConfigError("each external issuer needs at least 'issuer' and 'jwks_url'")
        algorithms = tuple(entry.get("algorithms") or DEFAULT_ALGORITHMS)
        if "none" in algorithms or any(a.startswith("HS") for a in algorithms):
            raise IssuerConfigError("external issuers must sign with asymmetric keys")
        issuers[entry["issuer"]] = ExternalIssuer(
            issuer=entry["issuer"],
            jwks_url=entry["jwks_url"],
            audience=entry.get("audience") or settings.base_url,
            algorithms=algorithms,
            claims=dict(entry.get("claims") or {}),
        )
    return issuers


def verify_external(token: str, header: dict[str, Any], issuer: ExternalIssuer, cache: JwksCache) -> dict[str, Any]:
    alg = header.get("alg")
    if alg not in issuer.algorithms:
        raise TokenError(f"token algorithm '{alg}' is not accepted for {issuer.issuer}")
    try:
        key = cache.key(issuer.jwks_url, header.get("kid"))
    except JwksUnavailable as exc:
        raise TokenError(f"the keys of {issuer.issuer} are unavailable") from exc
    if key is None:
        raise TokenError("the token is signed by an unknown key")
    try:
        claims = jwt.decode(token, key, algorithms=[alg]).claims
    except JoseError as exc:
        raise TokenError("the token signature is invalid") from exc
    check_claims(claims, issuer=issuer.issuer, audience=issuer.audience, now=None)
    if not isinstance(claims.get("sub"), str):
        raise TokenError("the token has no 'sub'")
    return claims


def external_caller(claims: dict[str, Any], token: str, issuer: ExternalIssuer, engine: Engine) -> Caller:
    scopes = _scopes(claims.get(issuer.claim("scope", "scope")))
    launch_patient = claims.get(issuer.claim("patient", "patient"))
    token_id = claims.get("jti") or hashlib.sha256(token.encode()).hexdigest()[:32]
    username_claim = issuer.claims.get("username")
    if username_claim:
        username = claims.get(username_claim)
        if not isinstance(username, str) or not username:
            raise TokenError(f"the token has no '{username_claim}' claim naming a DSN user")
        user, patients = _local_user(engine, username)
        if user is None or not user.active:
            raise TokenError("the token names no active DSN user")
        return user_caller(
            user,
            patients=patients,
            scopes=scopes,
            launch_patient=launch_patient if isinstance(launch_patient, str) else None,
            client_id=claims.get("azp") or claims.get("client_id"),
            token_id=str(token_id),
        )
    role = claims.get(issuer.claim("role", "dsn_role"))
    if role not in ROLES:
        raise TokenError("the token carries no DSN role")
    patients = claims.get(issuer.claim("patients", "dsn_patients")) or []
    return Caller(
        kind="user",
        subject=claims["sub"],
        display=str(claims.get(issuer.claim("display", "name")) or claims["sub"]),
        role=role,
        scopes=scopes,
        organization=claims.get(issuer.claim("organization", "dsn_org")),
        region=claims.get(issuer.claim("region", "dsn_region")),
        patients=tuple(str(p) for p in patients) if isinstance(patients, list) else (),
        launch_patient=launch_patient if isinstance(launch_patient, str) else None,
        client_id=claims.get("azp") or claims.get("client_id"),
        fhir_user=claims.get(issuer.claim("fhir_user", "fhirUser")),
        token_id=str(token_id),
    )


def _scopes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


_users: dict[tuple[int, str], tuple[float, User | None, tuple[str, ...]]] = {}
_users_lock = threading.Lock()


def _local_user(engine: Engine, username: str) -> tuple[User | None, tuple[str, ...]]:
    """The mapped user (cached a few seconds: this runs on every request with such a token)."""
    key = (id(engine), username)
    now = time.monotonic()
    with _users_lock:
        cached = _users.get(key)
    if cached and now - cached[0] < USER_CACHE_SECONDS:
        return cached[1], cached[2]
    user = find_user(engine, username)
    patients = patients_of(engine, user) if user else ()
    with _users_lock:
        if len(_users) > 10_000:
            _users.clear()
        _users[key] = (now, user, patients)
    return user, patients
