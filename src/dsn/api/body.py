"""Reading request bodies: bounded in size, parsed as JSON, errors located."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from dsn.service.errors import FhirError


async def read_bounded(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over ``limit`` bytes without buffering it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FhirError(413, "too-costly", f"the request body ({declared} bytes) exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FhirError(413, "too-costly", f"the request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise FhirError(400, "structure", "the request body is empty; a JSON resource is expected")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FhirError(400, "structure", f"the request body is not valid JSON: {exc}") from None
