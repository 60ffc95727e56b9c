"""Password hashing with Argon2id (RFC 9106 parameters as chosen by argon2-cffi).

Hashes carry their own parameters, so raising the cost later only needs
:func:`needs_rehash` at the next successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id by default
# Verified against when the username is unknown, so that a wrong username costs as
# much time as a wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("dsn-no-such-user")


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("a password cannot be empty")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash still spends the verification time."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
