"""Identifiers the demo writes on Patients registered by hand (the showcase, duplicates).

Generated patients get theirs from :func:`dsn.synthetic.people.patient_resource`; these
follow the same conventions (docs/mpi.md): one medical-record-number system per facility.
"""

from __future__ import annotations

from typing import Any

from dsn.synthetic.facilities import Facility
from dsn.synthetic.identifiers import V2_0203, mrn_system

__all__ = ["mrn_identifier"]


def mrn_identifier(facility: Facility, value: str) -> dict[str, Any]:
    """A facility's medical record number (``Identifier.type`` MR), assigned by that facility."""
    return {
        "use": "usual",
        "type": {"coding": [{"system": V2_0203, "code": "MR", "display": "Medical record number"}]},
        "system": mrn_system(facility.id),
        "value": value,
        "assigner": {"reference": facility.reference, "display": facility.name},
    }
