"""What every FHIR route receives: the service, the caller's context, the parsed Prefer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from dsn.api.body import parse_json, read_bounded
from dsn.api.identity import caller_for
from dsn.api.media import negotiate, require_json_body
from dsn.api.responses import parse_prefer
from dsn.config import Settings
from dsn.service.context import RequestContext
from dsn.service.records import RecordService


@dataclass(slots=True)
class Fhir:
    """Bundle of per-request collaborators, so routes take one parameter."""

    request: Request
    service: RecordService
    settings: Settings
    ctx: RequestContext
    prefer: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def prefer_return(self) -> str | None:
        return self.prefer.get("return")

    async def json_body(self, *, patch: bool = False) -> Any:
        require_json_body(self.request.headers.get("content-type"), patch=patch)
        raw = await read_bounded(self.request, self.settings.max_body_bytes)
        return parse_json(raw)

    def query_pairs(self) -> list[tuple[str, str]]:
        return list(self.request.query_params.multi_items())


def fhir(request: Request) -> Fhir:
    """FastAPI dependency: negotiate the response format and build the request context."""
    negotiate(request.headers.get("accept"), request.query_params.get("_format"))
    prefer = parse_prefer(request.headers.get("prefer"))
    ctx = RequestContext(
        caller=caller_for(request),
        request_id=request.state.request_id,
        remote_addr=request.state.remote_addr,
        strict=prefer.get("handling") == "strict",
    )
    state = request.app.state
    return Fhir(request, state.service, state.settings, ctx, prefer)
