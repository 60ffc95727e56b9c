"""From a web session to the :class:`~dsn.service.context.Caller` every service call takes.

Built from the user's current row exactly as a token refresh would build the access
token (:func:`dsn.security.oauth.token_response.user_grant`), so a page and an API call by
the same person pass through the same access policy with the same facts.
"""

from __future__ import annotations

from sqlalchemy import Engine

from dsn.security.users import User, get_user, patients_of, user_caller
from dsn.service.context import Caller
from dsn.web.sessions import WebSession


def session_user(engine: Engine, session: WebSession) -> User | None:
    user = get_user(engine, session.user_id)
    return user if user is not None and user.active else None


def caller_for(engine: Engine, session: WebSession, user: User) -> Caller:
    patients = patients_of(engine, user)
    scopes = tuple(s for s in session.scopes if not (s.startswith("patient/") and not session.patient))
    return user_caller(
        user,
        patients=patients,
        scopes=scopes,
        launch_patient=session.patient,
        client_id=session.client_id,
        token_id=f"web-{session.id[:24]}",
    )
