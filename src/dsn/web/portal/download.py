"""Download my record: the whole of it, as one FHIR JSON Bundle.

Built from ``Patient/$everything`` through the same service function as the API
(:func:`dsn.service.patient_operations.patient_everything`: same access policy, each
page audited as ``$everything``), following its pages to the end. The file is a
``collection`` Bundle: a document to keep or to give to another provider, not a search
result with links back into DSN.
"""

from __future__ import annotations

from typing import Any

import orjson

from dsn.service.context import RequestContext
from dsn.service.patient_operations import patient_everything
from dsn.service.records import RecordService
from dsn.store.clock import now_us, to_instant
from dsn.web.portal.access_history import next_cursor

MEDIA_TYPE = "application/fhir+json; charset=utf-8"


def full_record(service: RecordService, ctx: RequestContext, patient_id: str) -> dict[str, Any]:
    count = str(service.settings.max_page_size)
    params = {"_count": count}
    entries: list[dict[str, Any]] = []
    while True:
        page = patient_everything(service, ctx, patient_id, params)
        entries.extend(
            {"fullUrl": entry["fullUrl"], "resource": entry["resource"]} for entry in page.get("entry") or []
        )
        cursor = next_cursor(page)
        if cursor is None:
            break
        params = {"_count": count, "_page": cursor}
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "timestamp": to_instant(now_us())}
    if entries:
        bundle["entry"] = entries
    return bundle


def record_file(service: RecordService, ctx: RequestContext, patient_id: str) -> bytes:
    return orjson.dumps(full_record(service, ctx, patient_id), option=orjson.OPT_INDENT_2)


def file_name(patient_id: str) -> str:
    """``dossier-<id>.json`` (ids are ``[A-Za-z0-9-.]``: nothing to escape in the header)."""
    return f"dossier-{patient_id}.json"
