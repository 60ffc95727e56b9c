"""PKCE (RFC 7636), S256 only: ``plain`` would send the secret in the front channel."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from dsn.security.oauth.errors import OAuthError, invalid_grant, invalid_request

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")  # base64url(SHA-256), unpadded


def require_challenge(challenge: str | None, method: str | None) -> str:
    """The code challenge of an authorization request, which must use S256."""
    if not challenge:
        raise invalid_request("PKCE is required: send code_challenge with code_challenge_method=S256")
    if method != "S256":
        raise invalid_request("code_challenge_method must be S256 (plain is not accepted)")
    if not _CHALLENGE.match(challenge):
        raise invalid_request("code_challenge must be the base64url SHA-256 of the code verifier")
    return challenge


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def check_verifier(verifier: str | None, challenge: str) -> None:
    """Raise unless ``verifier`` hashes to the challenge the code was issued for."""
    if not verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
    if not _VERIFIER.match(verifier) or not hmac.compare_digest(challenge_of(verifier), challenge):
        raise invalid_grant("code_verifier does not match the code challenge")
