"""Probable duplicates for the MPI review list: the same person registered again elsewhere.

A patient of one pilot CIUSSS turns up at the emergency room of the other, without a
health insurance card; the clerk there misspells a name (or types it without accents)
and takes the new address. That second Patient is what ``dsn mpi dedupe`` exists to
find.

With ``DSN_MPI_CERTAIN_DUPLICATE=refuse`` (the default) DSN refuses a Patient that
*certainly* matches an existing one, so a demo duplicate must be *probable*: each
candidate record (the person's Patient with the errors of :func:`dsn.mpi.corruption.
corrupt`, several combinations tried in turn) is checked with ``Patient/$match`` — as the
clerk would before registering — and the first one graded ``probable`` against the
original, and ``certain`` against nobody, is registered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final

from dsn.demo.callers import facility_context, registration_context
from dsn.demo.identifiers import mrn_identifier
from dsn.demo.population import PILOTS, DemoPatient
from dsn.mpi.corruption import corrupt
from dsn.service.context import RequestContext
from dsn.service.patient_match import patient_match
from dsn.service.records import RecordService
from dsn.synthetic.facilities import Facility, sites
from dsn.synthetic.people import HTEST_TAG, IdentityRegistry, patient_resource

__all__ = ["ATTEMPTS", "Duplicate", "register_duplicate"]

ATTEMPTS: Final = (
    ("missing_nam", "moved", "typo_given"),
    ("missing_nam", "drop_accents", "moved"),
    ("missing_nam", "moved", "typo_family"),
    ("missing_nam", "moved", "nickname"),
    ("missing_nam", "moved"),
    ("missing_nam", "typo_given"),
    ("missing_nam", "transpose_date"),
)
"""Error combinations tried in order; the first graded ``probable`` is registered."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A second Patient for a person: the errors it carries, its match weight against the first."""

    original_id: str
    duplicate_id: str
    errors: tuple[str, ...]
    weight: float


def register_duplicate(
    service: RecordService,
    original: DemoPatient,
    donor: DemoPatient,
    registry: IdentityRegistry,
    *,
    first_attempt: int = 0,
) -> Duplicate | None:
    """Register ``original`` again in the other pilot CIUSSS (address taken from ``donor``).

    :data:`ATTEMPTS` are tried from ``first_attempt`` on (round the list), so that several
    duplicates show different errors. Adds an emergency-room Encounter to the new record,
    so the split chart is visible. None when no combination of errors grades ``probable``.
    """
    other = next(p for p in PILOTS if p.id != original.person.region.id)
    hospital = next(site for site in sites(other) if site.kind == "hospital")
    clerk = registration_context(hospital)
    source = patient_resource(original.person)
    donor_resource = patient_resource(donor.person)
    for step in range(len(ATTEMPTS)):
        index = (first_attempt + step) % len(ATTEMPTS)
        errors = ATTEMPTS[index]
        rng = random.Random(f"dsn-demo-duplicate:{original.patient_id}:{index}")
        record, applied = corrupt(source, rng, donor=donor_resource, kinds=errors)
        if tuple(applied) != errors or ("drop_accents" in errors and record["name"] == source["name"]):
            continue  # an error that changed nothing (a name without accents) would be mislabelled
        record["managingOrganization"] = {"reference": other.reference, "display": other.name}
        record["identifier"] = [
            *record.get("identifier", []),
            mrn_identifier(hospital, registry.assign_mrn(hospital.id)),
        ]
        weight = _probable_weight(service, clerk, record, original.patient_id)
        if weight is None:
            continue
        duplicate_id = service.create(clerk, "Patient", record).stored.res_id
        service.create(facility_context(hospital), "Encounter", _emergency_visit(duplicate_id, hospital))
        return Duplicate(original.patient_id, duplicate_id, errors, weight)
    return None


def _probable_weight(
    service: RecordService,
    clerk: RequestContext,
    record: dict[str, Any],
    original_id: str,
) -> float | None:
    """The match weight against the original if ``probable`` and no one matches ``certain``; else None."""
    results = patient_match(service, clerk, record, count=20)
    if any(result.candidate.grade == "certain" for result in results):
        return None
    for result in results:
        if result.candidate.patient_id == original_id and result.candidate.grade == "probable":
            return result.candidate.weight
    return None


def _emergency_visit(patient_id: str, hospital: Facility) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "meta": {"tag": [dict(HTEST_TAG)]},
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "EMER",
            "display": "emergency",
        },
        "type": [
            {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "50849002", "display": "Emergency room admission"}
                ]
            }
        ],
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": "2025-05-24T02:10:00-04:00", "end": "2025-05-24T06:40:00-04:00"},
        "serviceProvider": {"reference": hospital.reference, "display": hospital.name},
    }
