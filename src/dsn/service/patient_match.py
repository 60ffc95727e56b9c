"""``Patient/$match`` through the service pipeline: access policy, row visibility, audit.

The matching itself is :func:`dsn.mpi.match.match`; this module makes it a service
interaction like a search: the caller must be allowed to search Patients, candidates
the caller may not see are dropped *before* ``count`` is applied (so a hidden patient
neither shows nor takes a slot — nor can its absence be noticed), and the patients
returned are recorded in the audit log as any search result is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dsn.mpi.match import MatchCandidate, match
from dsn.service.context import RequestContext
from dsn.service.errors import invalid
from dsn.service.records import RecordService
from dsn.store.records import StoredResource

__all__ = ["MAX_MATCH_COUNT", "MatchResult", "patient_match"]

MAX_MATCH_COUNT: Final = 100
_CANDIDATE_POOL: Final = 500  # scored candidates considered before visibility filtering


@dataclass(frozen=True, slots=True)
class MatchResult:
    """A visible candidate: how it matched and its current Patient resource."""

    candidate: MatchCandidate
    stored: StoredResource


def patient_match(
    service: RecordService,
    ctx: RequestContext,
    patient: Any,
    *,
    count: int | None = None,
    only_certain: bool = False,
) -> list[MatchResult]:
    """The Patients the caller may see that may be ``patient``, best first."""
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise invalid("$match needs a Patient resource in the 'resource' parameter", "Parameters.parameter")
    if count is not None and count < 1:
        raise invalid("count must be a positive integer", "count")
    wanted = min(count or 10, MAX_MATCH_COUNT)
    with service._refusals(ctx, "$match", "Patient"):
        service.access.require(ctx, "search", "Patient")
        with service.store.read() as session:
            access = service.access.access(ctx, "s", session.conn)
            visibility = access.visibility()
            results: list[MatchResult] = []
            for candidate in match(session.conn, patient, count=_CANDIDATE_POOL, only_certain=only_certain):
                stored = session.current("Patient", candidate.patient_id, visibility)
                if stored is not None and not stored.deleted:
                    results.append(MatchResult(candidate, stored))
                    if len(results) >= wanted:
                        break
        service._audit_read(
            ctx,
            None,
            "$match",
            [result.stored for result in results],
            resource_type="Patient",
            glass_patients=access.glass_patients,
        )
        return results
