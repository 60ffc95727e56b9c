"""Checking a person's credentials: password, second factor, growing delay, lockout.

Each failure in a row makes the next answer slower (``base × 2^(n-1)`` seconds, capped)
and the ``login_max_failures``-th locks the account for ``login_lockout_seconds``.
Unknown usernames cost the same password-hashing time and give the same answer as a
wrong password. Privacy officers and administrators must have TOTP enrolled (unless
``require_totp_for_privileged`` is off); other users may enrol optionally.

Time is injected (:class:`Clock`) so tests run the lockout without waiting.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, select, update

from dsn.config import Settings
from dsn.security.passwords import hash_password, needs_rehash, verify_password
from dsn.security.storage import writing
from dsn.security.totp import verify_code
from dsn.security.users import User, find_user
from dsn.store.security_schema import app_user


class Clock(Protocol):
    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()

# Outcomes of a login attempt, also the keys of the login page's messages.
OK = "ok"
INVALID = "invalid_credentials"
LOCKED = "locked"
TOTP_REQUIRED = "totp_required"
TOTP_INVALID = "totp_invalid"
TOTP_ENROLMENT_REQUIRED = "totp_enrolment_required"


@dataclass(frozen=True, slots=True)
class LoginResult:
    outcome: str
    user: User | None = None
    delay: float = 0.0  # seconds the caller should wait before answering
    locked_until: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def failure_delay(settings: Settings, failures: int) -> float:
    """The pause after the ``failures``-th failure in a row."""
    if failures <= 0:
        return 0.0
    return min(settings.login_delay_base * 2 ** (failures - 1), settings.login_delay_max)


def check_login(
    engine: Engine,
    settings: Settings,
    username: str,
    password: str,
    totp_code: str | None,
    *,
    now: float,
) -> LoginResult:
    """Decide one login attempt and record its effect on the account's failure count."""
    user = find_user(engine, username.strip())
    if user is None or not user.active:
        verify_password(None, password)
        return LoginResult(INVALID, delay=failure_delay(settings, 1))
    if user.locked_until > now:
        return LoginResult(LOCKED, locked_until=user.locked_until)
    if not verify_password(user.password_hash, password):
        return _failed(engine, settings, user, INVALID, now)
    if user.totp_secret:
        if not totp_code:
            return LoginResult(TOTP_REQUIRED, user=user)
        if not verify_code(user.totp_secret, totp_code, at=now):
            return _failed(engine, settings, user, TOTP_INVALID, now)
    elif user.privileged and settings.require_totp_for_privileged:
        return LoginResult(TOTP_ENROLMENT_REQUIRED, user=user)
    _succeeded(engine, user, password)
    return LoginResult(OK, user=user)


def _failed(engine: Engine, settings: Settings, user: User, outcome: str, now: float) -> LoginResult:
    with writing(engine) as conn:
        conn.execute(
            update(app_user).where(app_user.c.id == user.id).values(failed_logins=app_user.c.failed_logins + 1)
        )
        failures = conn.execute(select(app_user.c.failed_logins).where(app_user.c.id == user.id)).scalar_one()
        if failures >= settings.login_max_failures:
            until = int(now) + settings.login_lockout_seconds
            conn.execute(update(app_user).where(app_user.c.id == user.id).values(failed_logins=0, locked_until=until))
            return LoginResult(LOCKED, user=None, delay=failure_delay(settings, failures), locked_until=until)
    return LoginResult(outcome, user=None, delay=failure_delay(settings, failures))


def _succeeded(engine: Engine, user: User, password: str) -> None:
    values: dict[str, object] = {"failed_logins": 0, "locked_until": 0}
    if user.password_hash and needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    with writing(engine) as conn:
        conn.execute(update(app_user).where(app_user.c.id == user.id).values(**values))
