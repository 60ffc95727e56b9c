"""Proof of a completed login, carried from the login form to the patient-picker step.

A short-lived JWT signed with the server key and bound to the authorization request
(client and PKCE challenge), so the password is never posted twice and a ticket cannot
be replayed into another app's request.
"""

from __future__ import annotations

from joserfc import jwt
from joserfc.errors import JoseError

from dsn.config import Settings
from dsn.security.signing import key_ring
from dsn.security.tokens import TokenError, check_claims, unverified_header_and_claims

TICKET_TYP = "dsn-login+jwt"
LIFETIME = 300


def _audience(settings: Settings) -> str:
    return f"{settings.issuer_url()}/oauth/authorize"


def issue_ticket(settings: Settings, *, user_id: str, client_id: str, code_challenge: str, now: int) -> str:
    claims = {
        "iss": settings.issuer_url(),
        "aud": _audience(settings),
        "sub": user_id,
        "client_id": client_id,
        "cc": code_challenge,
        "iat": now,
        "exp": now + LIFETIME,
    }
    return key_ring(settings).sign(claims, typ=TICKET_TYP)


def verify_ticket(settings: Settings, ticket: str, *, client_id: str, code_challenge: str, now: int) -> str:
    """The user id the ticket vouches for; TokenError when it does not fit this request."""
    header, _ = unverified_header_and_claims(ticket)
    found = key_ring(settings).verification_key(header.get("kid"))
    if found is None or header.get("typ") != TICKET_TYP or header.get("alg") != found[1]:
        raise TokenError("invalid login ticket")
    try:
        claims = jwt.decode(ticket, found[0], algorithms=[found[1]]).claims
    except JoseError as exc:
        raise TokenError("invalid login ticket") from exc
    check_claims(claims, issuer=settings.issuer_url(), audience=_audience(settings), now=now)
    if claims.get("client_id") != client_id or claims.get("cc") != code_challenge:
        raise TokenError("the login ticket belongs to another authorization request")
    return str(claims["sub"])
