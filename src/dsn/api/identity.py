"""Who is calling: the one place where authentication turns a request into a Caller.

Until token authentication is wired in (identity-and-access issue), every HTTP caller is
the same unauthenticated party, recorded as such; the service receives it like any
other caller, so adding authentication changes this function and nothing else.
"""

from __future__ import annotations

from starlette.requests import Request

from dsn.service.context import Caller

ANONYMOUS = Caller(kind="anonymous", subject="anonymous", display="unauthenticated client")


def caller_for(request: Request) -> Caller:
    return ANONYMOUS
