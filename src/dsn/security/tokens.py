"""Access tokens and id_tokens: signed JWTs that carry everything a request needs.

An access token (RFC 9068 ``typ: at+jwt``) names the caller and holds the facts the
access policy reads — role, organization, region, represented patients, SMART launch
patient, granted scopes — so that authenticating a request costs a signature check and
one revocation lookup, not a user lookup. Tokens live ``access_token_lifetime``
seconds (default 5 minutes); changes to a user's role take effect at the next refresh.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from dsn.config import Settings
from dsn.security.signing import key_ring
from dsn.service.context import Caller

ACCESS_TOKEN_TYP = "at+jwt"
SERVER_ALGORITHMS = ("ES256", "RS256")
LEEWAY_SECONDS = 5


class TokenError(Exception):
    """A token that must not be accepted; the message says why (safe to show the client)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What one access token stands for: a user (through a client) or a backend client."""

    kind: str  # user | client
    subject: str
    client_id: str
    scopes: tuple[str, ...]
    display: str = ""
    role: str | None = None
    organization: str | None = None
    region: str | None = None
    patients: tuple[str, ...] = ()
    launch_patient: str | None = None
    launch_encounter: str | None = None
    fhir_user: str | None = None


def access_claims(grant: Grant, settings: Settings, *, now: int) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": settings.issuer_url(),
        "sub": grant.subject,
        "aud": settings.base_url,
        "iat": now,
        "nbf": now,
        "exp": now + settings.access_token_lifetime,
        "jti": secrets.token_urlsafe(18),
        "client_id": grant.client_id,
        "scope": " ".join(grant.scopes),
        "dsn_kind": grant.kind,
    }
    optional = {
        "dsn_name": grant.display or None,
        "dsn_role": grant.role,
        "dsn_org": grant.organization,
        "dsn_region": grant.region,
        "dsn_patients": list(grant.patients) or None,
        "patient": grant.launch_patient,
        "encounter": grant.launch_encounter,
        "fhirUser": grant.fhir_user,
    }
    claims.update({k: v for k, v in optional.items() if v is not None})
    return claims


def issue_access_token(grant: Grant, settings: Settings, *, now: int) -> tuple[str, dict[str, Any]]:
    claims = access_claims(grant, settings, now=now)
    return key_ring(settings).sign(claims, typ=ACCESS_TOKEN_TYP), claims


def issue_id_token(
    settings: Settings,
    *,
    user_id: str,
    client_id: str,
    nonce: str | None,
    auth_time: int | None,
    fhir_user: str | None,
    name: str | None,
    now: int,
) -> str:
    """OpenID Connect id_token; ``fhirUser`` only when that scope was granted (caller decides)."""
    claims: dict[str, Any] = {
        "iss": settings.issuer_url(),
        "sub": user_id,
        "aud": client_id,
        "iat": now,
        "exp": now + settings.access_token_lifetime,
    }
    optional = {"nonce": nonce, "auth_time": auth_time, "fhirUser": fhir_user, "name": name}
    claims.update({k: v for k, v in optional.items() if v is not None})
    return key_ring(settings).sign(claims, typ="JWT")


def unverified_header_and_claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims read without checking anything: only to route a token to its verifier."""
    try:
        compact = extract_compact(token.encode("ascii"))
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError, TypeError) as exc:
        raise TokenError("the token is not a well-formed JWS") from exc
    if not isinstance(claims, dict):
        raise TokenError("the token payload is not a JSON object")
    return dict(compact.headers()), claims


def verify_access_token(token: str, settings: Settings, *, now: int | None = None) -> dict[str, Any]:
    """The claims of a DSN access token, after checking signature, type, issuer, audience and times."""
    header, _ = unverified_header_and_claims(token)
    alg = header.get("alg")
    if alg not in SERVER_ALGORITHMS:
        raise TokenError(f"token algorithm '{alg}' is not accepted")
    found = key_ring(settings).verification_key(header.get("kid"))
    if found is None:
        raise TokenError("the token is signed by an unknown key")
    key, key_alg = found
    if key_alg != alg:
        raise TokenError("the token algorithm does not match its key")
    if header.get("typ") != ACCESS_TOKEN_TYP:
        raise TokenError("not an access token")
    try:
        decoded = jwt.decode(token, key, algorithms=[alg])
    except JoseError as exc:
        raise TokenError("the token signature is invalid") from exc
    claims = decoded.claims
    check_claims(claims, issuer=settings.issuer_url(), audience=settings.base_url, now=now)
    for name in ("sub", "jti", "client_id"):
        if not isinstance(claims.get(name), str):
            raise TokenError(f"the token has no '{name}'")
    return claims


def check_claims(claims: dict[str, Any], *, issuer: str, audience: str, now: int | None) -> None:
    """Issuer, audience, expiry and not-before, with a few seconds of clock skew allowed."""
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        claim = getattr(exc, "claim", "")
        if exc.error == "expired_token":
            raise TokenError("the token has expired") from exc
        if claim == "iss":
            raise TokenError("the token issuer is not trusted") from exc
        if claim == "aud":
            raise TokenError("the token is not meant for this server (audience)") from exc
        if claim == "nbf":
            raise TokenError("the token is not valid yet") from exc
        raise TokenError(f"the token claim '{claim}' is missing or invalid") from exc


def caller_from_claims(claims: dict[str, Any]) -> Caller:
    """The :class:`Caller` an access token stands for."""
    kind = "client" if claims.get("dsn_kind") == "client" else "user"
    scope = claims.get("scope") or ""
    patients = claims.get("dsn_patients") or []
    return Caller(
        kind=kind,
        subject=str(claims["sub"]),
        display=str(claims.get("dsn_name") or claims["sub"]),
        role=claims.get("dsn_role") if kind == "user" else None,
        scopes=tuple(scope.split()) if isinstance(scope, str) else (),
        organization=claims.get("dsn_org"),
        region=claims.get("dsn_region"),
        patients=tuple(str(p) for p in patients) if isinstance(patients, list) else (),
        launch_patient=claims.get("patient"),
        client_id=claims.get("client_id"),
        fhir_user=claims.get("fhirUser"),
        token_id=claims.get("jti"),
    )
