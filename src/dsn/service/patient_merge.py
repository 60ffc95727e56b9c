"""``Patient/$merge`` and ``$unmerge``: one person, two records, made one — and undone.

A merge marks the source Patient inactive and ``replaced-by`` the target, and the
target ``replaces`` the source, in one transaction with an ``mpi_merge`` row. From then
on, searches by reference to the target (``Observation?subject=Patient/target``) and the
target's ``$everything`` include what was recorded under the source. Nothing is moved:
each resource keeps its own patient key, so every region's consent restrictions on the
source's data still apply to it. Unmerge removes exactly what the merge added and
restores the source's ``active``; both steps are ordinary audited updates plus a
``merge``/``unmerge`` audit record.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import select, update

from dsn.audit.record import AuditRecord
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError, invalid
from dsn.service.records import RecordService
from dsn.store.clock import now_us
from dsn.store.mpi_schema import mpi_merge
from dsn.store.session import StoreSession


def merge(service: RecordService, ctx: RequestContext, source_id: str, target_id: str) -> dict[str, Any]:
    if source_id == target_id:
        raise invalid("a patient cannot be merged into itself", "Parameters.parameter")
    with service.writing() as session:
        source = service.read(ctx, "Patient", source_id, session=session).resource or {}
        target = service.read(ctx, "Patient", target_id, session=session).resource or {}
        if _open_merge(session, source_id) is not None:
            raise FhirError(409, "conflict", f"Patient/{source_id} is already merged")
        if _open_merge(session, target_id) is not None:
            raise FhirError(409, "conflict", f"Patient/{target_id} was itself merged into another patient")
        source_link = {"other": {"reference": f"Patient/{target_id}"}, "type": "replaced-by"}
        target_link = {"other": {"reference": f"Patient/{source_id}"}, "type": "replaces"}
        new_source = {**source, "active": False, "link": [*source.get("link", []), source_link]}
        new_target = {**target, "link": [*target.get("link", []), target_link]}
        service.update(ctx, "Patient", source_id, new_source, session=session)
        service.update(ctx, "Patient", target_id, new_target, session=session)
        session.conn.execute(
            mpi_merge.insert().values(
                id=str(uuid.uuid4()),
                source_id=source_id,
                target_id=target_id,
                source_active=orjson.dumps(source.get("active")).decode() if "active" in source else None,
                merged_at=now_us(),
                merged_by=ctx.caller.subject,
            )
        )
        _audit(service, session, ctx, "merge", source_id, target_id)
    return _result(source_id, target_id, "merged")


def unmerge(service: RecordService, ctx: RequestContext, source_id: str) -> dict[str, Any]:
    with service.writing() as session:
        row = _open_merge(session, source_id)
        if row is None:
            raise FhirError(404, "not-found", f"Patient/{source_id} is not merged")
        source = service.read(ctx, "Patient", source_id, session=session).resource or {}
        target = service.read(ctx, "Patient", row.target_id, session=session).resource or {}
        restored_source = _without_link(source, "replaced-by", row.target_id)
        restored_source.pop("active", None)
        if row.source_active is not None:
            restored_source["active"] = orjson.loads(row.source_active)
        restored_target = _without_link(target, "replaces", source_id)
        service.update(ctx, "Patient", source_id, restored_source, session=session)
        service.update(ctx, "Patient", row.target_id, restored_target, session=session)
        session.conn.execute(update(mpi_merge).where(mpi_merge.c.id == row.id).values(unmerged_at=now_us()))
        _audit(service, session, ctx, "unmerge", source_id, row.target_id)
    return _result(source_id, row.target_id, "unmerged")


def merged_into(session: StoreSession, target_id: str) -> tuple[str, ...]:
    rows = session.conn.execute(
        select(mpi_merge.c.source_id).where(mpi_merge.c.target_id == target_id, mpi_merge.c.unmerged_at.is_(None))
    ).scalars()
    return tuple(rows)


def _open_merge(session: StoreSession, source_id: str) -> Any:
    return session.conn.execute(
        select(mpi_merge).where(mpi_merge.c.source_id == source_id, mpi_merge.c.unmerged_at.is_(None))
    ).first()


def _without_link(patient: dict[str, Any], kind: str, other: str) -> dict[str, Any]:
    links = [
        link
        for link in patient.get("link", [])
        if not (link.get("type") == kind and link.get("other", {}).get("reference") == f"Patient/{other}")
    ]
    body = {k: v for k, v in patient.items() if k != "link"}
    if links:
        body["link"] = links
    return body


def _audit(
    service: RecordService, session: StoreSession, ctx: RequestContext, subtype: str, source: str, target: str
) -> None:
    service.auditor.event(
        session,
        AuditRecord.for_request(
            ctx,
            subtype,
            action="U",
            patient_ids=[source, target],
            entities=[f"Patient/{source}", f"Patient/{target}"],
            resource_type="Patient",
        ),
    )


def _result(source: str, target: str, outcome: str) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "outcome", "valueCode": outcome},
            {"name": "source-patient", "valueReference": {"reference": f"Patient/{source}"}},
            {"name": "target-patient", "valueReference": {"reference": f"Patient/{target}"}},
        ],
    }
