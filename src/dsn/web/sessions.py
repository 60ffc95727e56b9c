"""Server-side sessions of the web application.

The SMART login gives the web app an authorization code like any other app; the app
redeems it in-process and keeps the grant (user, scopes, launch patient) here rather
than in the browser. The browser holds only a random token in an HttpOnly cookie, and
the table only its SHA-256 digest, so a database dump opens no session. A session
ends after ``IDLE_SECONDS`` without use or ``ABSOLUTE_SECONDS`` after login, whichever
comes first, and at logout; the user row is read on every request, so a disabled
account or a changed role takes effect at once (tokens would wait for their expiry).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from dsn.security.storage import reading, writing
from dsn.store.security_schema import web_session

COOKIE = "dsn_web"
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
TOUCH_EVERY = 60  # seconds between last_seen updates, to keep page views read-only most of the time


@dataclass(frozen=True, slots=True)
class WebSession:
    id: str  # digest of the cookie token
    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    patient: str | None
    csrf: str
    created: int
    last_seen: int
    expires: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    engine: Engine, *, user_id: str, client_id: str, scopes: tuple[str, ...], patient: str | None, now: int
) -> tuple[str, WebSession]:
    """A new session; returns the cookie token (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    session = WebSession(
        id=_digest(token),
        user_id=user_id,
        client_id=client_id,
        scopes=scopes,
        patient=patient,
        csrf=secrets.token_urlsafe(32),
        created=now,
        last_seen=now,
        expires=now + ABSOLUTE_SECONDS,
    )
    with writing(engine) as conn:
        conn.execute(delete(web_session).where(web_session.c.expires < now))
        conn.execute(
            insert(web_session).values(
                id=session.id,
                user_id=user_id,
                client_id=client_id,
                scopes=" ".join(scopes),
                patient=patient,
                csrf=session.csrf,
                created=now,
                last_seen=now,
                expires=session.expires,
            )
        )
    return token, session


def find_session(engine: Engine, token: str | None, *, now: int) -> WebSession | None:
    """The live session a cookie token opens, or None (unknown, idle too long, expired)."""
    if not token or len(token) > 128:
        return None
    session_id = _digest(token)
    with reading(engine) as conn:
        row = conn.execute(select(web_session).where(web_session.c.id == session_id)).first()
    if row is None or row.expires <= now or row.last_seen + IDLE_SECONDS <= now:
        return None
    if now - row.last_seen >= TOUCH_EVERY:
        with writing(engine) as conn:
            conn.execute(update(web_session).where(web_session.c.id == session_id).values(last_seen=now))
    return WebSession(
        id=row.id,
        user_id=row.user_id,
        client_id=row.client_id,
        scopes=tuple(row.scopes.split()),
        patient=row.patient,
        csrf=row.csrf,
        created=row.created,
        last_seen=now,
        expires=row.expires,
    )


def close_session(engine: Engine, token: str | None) -> None:
    if not token:
        return
    with writing(engine) as conn:
        conn.execute(delete(web_session).where(web_session.c.id == _digest(token)))


def close_sessions_of(engine: Engine, user_id: str) -> None:
    """End every session of a user (account disabled, password reset)."""
    with writing(engine) as conn:
        conn.execute(delete(web_session).where(web_session.c.user_id == user_id))
