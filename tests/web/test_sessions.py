"""Web sessions: server-side, idle and absolute timeouts, only a digest stored."""

from __future__ import annotations

from sqlalchemy import Engine, select

from dsn.store.security_schema import web_session
from dsn.web.sessions import ABSOLUTE_SECONDS, IDLE_SECONDS, close_session, find_session, open_session

NOW = 1_800_000_000


def _open(engine: Engine) -> str:
    token, _ = open_session(engine, user_id="u1", client_id="dsn-web", scopes=("user/*.rs",), patient=None, now=NOW)
    return token


def test_a_session_is_found_by_its_token_and_the_table_holds_only_a_digest(engine: Engine) -> None:
    token = _open(engine)
    session = find_session(engine, token, now=NOW + 10)
    assert session is not None and session.user_id == "u1" and session.scopes == ("user/*.rs",)
    with engine.connect() as conn:
        stored = conn.execute(select(web_session.c.id)).scalars().all()
    assert token not in stored and len(stored[0]) == 64


def test_a_session_idle_too_long_is_over(engine: Engine) -> None:
    token = _open(engine)
    assert find_session(engine, token, now=NOW + IDLE_SECONDS - 1) is not None
    assert find_session(engine, token, now=NOW + 2 * IDLE_SECONDS - 2) is not None  # use keeps it alive
    assert find_session(engine, token, now=NOW + 4 * IDLE_SECONDS) is None


def test_a_session_in_constant_use_still_ends_after_the_absolute_limit(engine: Engine) -> None:
    token = _open(engine)
    moment = NOW
    while moment < NOW + ABSOLUTE_SECONDS - 60:
        moment += IDLE_SECONDS // 2
        if moment >= NOW + ABSOLUTE_SECONDS:
            break
        assert find_session(engine, token, now=moment) is not None
    assert find_session(engine, token, now=NOW + ABSOLUTE_SECONDS) is None


def test_unknown_oversized_or_closed_tokens_open_nothing(engine: Engine) -> None:
    token = _open(engine)
    assert find_session(engine, "not-a-token", now=NOW) is None
    assert find_session(engine, "x" * 5000, now=NOW) is None
    close_session(engine, token)
    assert find_session(engine, token, now=NOW) is None
