"""Time-based one-time passwords (RFC 6238) as the second login factor.

Secrets are base32 strings shown once as an ``otpauth://`` URI (a QR code in any
authenticator app). One 30-second step of drift either way is accepted.
"""

from __future__ import annotations

import time

import pyotp

ISSUER_NAME = "DSN"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER_NAME)


def verify_code(secret: str, code: str, *, at: float | None = None) -> bool:
    """True when ``code`` is valid at ``at`` (default now), within one step of drift."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return False
    return pyotp.TOTP(secret).verify(code, for_time=int(at if at is not None else time.time()), valid_window=1)


def current_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator would show now: for tests and enrolment checks."""
    return pyotp.TOTP(secret).at(int(at if at is not None else time.time()))
