"""FHIR responses: JSON bodies, version headers, Prefer handling."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from dsn.api.media import FHIR_JSON
from dsn.fhir.outcome import OutcomeIssue, operation_outcome
from dsn.service.results import WriteResult
from dsn.store.clock import to_http_date
from dsn.store.records import StoredResource

CONTENT_TYPE = f"{FHIR_JSON}; charset=utf-8"


def fhir_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=CONTENT_TYPE, headers=headers)


def version_headers(stored: StoredResource, base_url: str, *, location: bool = False) -> dict[str, str]:
    headers = {
        "ETag": f'W/"{stored.version}"',
        "Last-Modified": to_http_date(stored.last_updated),
    }
    if location:
        headers["Location"] = f"{base_url.rstrip('/')}/{stored.res_type}/{stored.res_id}/_history/{stored.version}"
    return headers


def resource_response(stored: StoredResource, base_url: str, status: int = 200) -> Response:
    """A stored resource as-is: the persisted JSON is sent without re-serializing."""
    return Response(
        (stored.body or "").encode(),
        status_code=status,
        media_type=CONTENT_TYPE,
        headers=version_headers(stored, base_url),
    )


def write_response(result: WriteResult, base_url: str, prefer_return: str | None) -> Response:
    """Answer a create/update/patch as ``Prefer: return=`` asks (representation by default)."""
    headers = version_headers(result.stored, base_url, location=result.created or result.status == 201)
    if prefer_return == "minimal":
        return Response(status_code=result.status, headers=headers)
    if prefer_return == "OperationOutcome":
        issues = result.issues or [
            OutcomeIssue(
                "information",
                "informational",
                f"{result.stored.res_type}/{result.stored.res_id} stored as version {result.stored.version}",
            )
        ]
        return fhir_json(operation_outcome(issues), result.status, headers)
    return Response(
        (result.stored.body or "").encode(), status_code=result.status, media_type=CONTENT_TYPE, headers=headers
    )


def parse_prefer(header: str | None) -> dict[str, str]:
    """``Prefer: return=minimal, handling=strict`` → {"return": "minimal", "handling": "strict"}."""
    prefs: dict[str, str] = {}
    if not header:
        return prefs
    for part in header.split(","):
        for item in part.split(";"):
            key, _, value = item.strip().partition("=")
            if key:
                prefs[key.strip().lower()] = value.strip().strip('"')
    return prefs
