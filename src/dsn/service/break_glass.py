"""Break-the-glass: emergency access to a patient's restricted data, for a limited time.

A clinician gives a reason code and a free-text justification; DSN grants access to
restricted data of *that patient only*, for ``DSN_BREAK_GLASS_HOURS`` (4 h by
default). The grant is read by the access policy on every request, so it takes effect
at once and ends exactly when it expires. Every grant is recorded for review.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from dsn.audit.record import AuditRecord
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError, invalid, not_found
from dsn.service.records import RecordService
from dsn.store.clock import now_us, to_instant
from dsn.store.security_schema import btg_grant

# v3 ActReason / PurposeOfUse codes accepted as the reason for emergency access.
REASONS: dict[str, tuple[str, str]] = {
    "ETREAT": ("Traitement d'urgence", "Emergency treatment"),
    "BTG": ("Bris de confidentialité (urgence)", "Break the glass"),
    "PATSFTY": ("Sécurité du patient", "Patient safety"),
    "CLINTRCH": ("Continuité des soins — information critique", "Continuity of care — critical information"),
}
BREAK_GLASS_ROLES = frozenset({"physician", "nurse", "pharmacist"})
MIN_JUSTIFICATION = 10


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    patient_id: str
    reason_code: str
    justification: str
    granted_at: int
    expires_at: int

    def to_parameters(self) -> dict:
        return {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "grant", "valueString": self.id},
                {"name": "patient", "valueReference": {"reference": f"Patient/{self.patient_id}"}},
                {"name": "reason", "valueCode": self.reason_code},
                {"name": "expires", "valueInstant": to_instant(self.expires_at)[:23] + "Z"},
            ],
        }


def break_glass(service: RecordService, ctx: RequestContext, patient_id: str, reason: str, justification: str) -> Grant:
    """Open an emergency-access grant for the calling clinician on one patient."""
    caller = ctx.caller
    if caller.kind != "user" or caller.role not in BREAK_GLASS_ROLES:
        raise FhirError(403, "forbidden", "only physicians, nurses and pharmacists may break the glass")
    service.access.require(ctx, "read", "Patient")
    if reason not in REASONS:
        raise invalid(f"reason must be one of {', '.join(sorted(REASONS))}, not '{reason}'", "Parameters.parameter")
    if len(justification.strip()) < MIN_JUSTIFICATION:
        raise invalid(f"a justification of at least {MIN_JUSTIFICATION} characters is required", "Parameters.parameter")
    hours = service.settings.break_glass_hours
    now = now_us()
    grant = Grant(str(uuid.uuid4()), patient_id, reason, justification.strip(), now, now + int(hours * 3600e6))
    with service.writing() as session:
        patient = session.current("Patient", patient_id)
        if patient is None or patient.deleted:
            raise not_found("Patient", patient_id)
        service.auditor.event(
            session,
            AuditRecord.for_request(
                ctx,
                "break-glass",
                patient_ids=[patient_id],
                entities=[f"Patient/{patient_id}"],
                resource_type="Patient",
                break_glass=True,
                detail=f"{reason}: {grant.justification}"[:500],
            ),
        )
        session.conn.execute(
            btg_grant.insert().values(
                id=grant.id,
                user_id=caller.subject,
                patient_id=patient_id,
                reason_code=reason,
                justification=grant.justification,
                granted_at=grant.granted_at,
                expires_at=grant.expires_at,
            )
        )
    return grant


def open_grants(service: RecordService, ctx: RequestContext) -> list[Grant]:
    """The caller's grants that have not expired."""
    with service.store.read() as session:
        rows = session.conn.execute(
            select(btg_grant).where(btg_grant.c.user_id == ctx.caller.subject, btg_grant.c.expires_at > now_us())
        ).all()
    return [
        Grant(row.id, row.patient_id, row.reason_code, row.justification, row.granted_at, row.expires_at)
        for row in rows
    ]
