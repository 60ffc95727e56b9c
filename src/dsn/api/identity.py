"""Who is calling: the one place where HTTP credentials become a :class:`Caller`.

Every FHIR route resolves its caller here (through the ``fhir`` dependency); the
service then applies the access policy to that caller. No Authorization header gives
the anonymous caller, whom the policy refuses everywhere except the public endpoints
(``/metadata``, discovery, OAuth).
"""

from __future__ import annotations

from starlette.requests import Request

from dsn.security.authentication import authenticate
from dsn.service.context import Caller


def caller_for(request: Request) -> Caller:
    """The authenticated caller; raises ``AuthenticationError`` for bad credentials."""
    state = request.app.state
    return authenticate(request.headers.get("authorization"), settings=state.settings, engine=state.engine)
