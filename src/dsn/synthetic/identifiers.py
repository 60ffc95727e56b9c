"""Identifier systems and code systems DSN's synthetic data is written with.

Kept in one place so that loaders, tests and the MPI look people and organizations up
under the same URIs the generator writes:

* ``NAM_SYSTEM`` — ``https://dsn.quebec/fhir/NamingSystem/nam``: the RAMQ health
  insurance number (``Identifier.type`` JHN, "jurisdictional health number", v2-0203);
* ``mrn_system(facility_id)`` — ``https://dsn.quebec/fhir/NamingSystem/mrn/<facility-id>``:
  one medical record number space per facility (``Identifier.type`` MR, v2-0203), since
  the same number means different people at two hospitals;
* ``RSS_SYSTEM`` — ``https://dsn.quebec/fhir/NamingSystem/rss``: the health region code
  (``01``–``18``) of a CISSS/CIUSSS;
* ``ORGANIZATION_SYSTEM`` — ``https://dsn.quebec/fhir/NamingSystem/organization``: DSN's own
  organization id, equal to the Organization's resource id;
* ``PILOT_REGION_EXTENSION`` — ``https://dsn.quebec/fhir/StructureDefinition/pilot-region``:
  ``valueBoolean`` true on the two pilot CIUSSSs;
* ``ORGANIZATION_KIND_SYSTEM`` — ``https://dsn.quebec/fhir/CodeSystem/organization-kind``:
  ``CISSS``, ``CIUSSS``, ``hospital``, ``CLSC``.
"""

from __future__ import annotations

from typing import Final

from dsn.mpi.nam import NAM_SYSTEM

__all__ = [
    "MRN_SYSTEM_PREFIX",
    "NAM_SYSTEM",
    "ORGANIZATION_KIND_SYSTEM",
    "ORGANIZATION_SYSTEM",
    "PILOT_REGION_EXTENSION",
    "RSS_SYSTEM",
    "V2_0203",
    "mrn_system",
]

MRN_SYSTEM_PREFIX: Final = "https://dsn.quebec/fhir/NamingSystem/mrn/"
RSS_SYSTEM: Final = "https://dsn.quebec/fhir/NamingSystem/rss"
ORGANIZATION_SYSTEM: Final = "https://dsn.quebec/fhir/NamingSystem/organization"
PILOT_REGION_EXTENSION: Final = "https://dsn.quebec/fhir/StructureDefinition/pilot-region"
ORGANIZATION_KIND_SYSTEM: Final = "https://dsn.quebec/fhir/CodeSystem/organization-kind"
V2_0203: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"


def mrn_system(facility_id: str) -> str:
    """The Identifier.system of the medical record numbers a facility assigns."""
    return MRN_SYSTEM_PREFIX + facility_id
