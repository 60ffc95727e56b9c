"""Who is calling: the one place where authentication turns a request into a Caller.

Until token authentication is wired in, every HTTP caller is the same unauthenticated
party, recorded as such; the service receives it like any other caller.
"""

from __future__ import annotations

from starlette.requests import Request

from dsn.service.context import ANONYMOUS, Caller


def caller_for(request: Request) -> Caller:
    return ANONYMOUS
