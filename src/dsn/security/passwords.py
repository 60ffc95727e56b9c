"""Password hashing with Argon2id.

Parameters are OWASP's recommended minimum for Argon2id (19 MiB, 2 passes, 1 lane):
about 0.1 s per hash on one core, which keeps a burst of logins from exhausting the
server while still costing an offline attacker dearly. Hashes carry their own
parameters, so raising the cost later only needs :func:`needs_rehash`, applied at
the next successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)  # argon2id by default
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
