"""The role × resource-type × action matrix: what each role may ever do.

Resource types are grouped into categories so that the matrix stays readable and a
new type falls into a category deliberately. A cell holds SMART permission letters
(``c`` create, ``r`` read, ``u`` update, ``d`` delete, ``s`` search). The matrix is the
upper bound of a role: token scopes, the region being live, the patient compartment
(for patients) and consent narrow it further, never widen it.

Operators override cells with a JSON file (``DSN_ROLE_MATRIX_FILE``) of the same shape
as :data:`ROLE_MATRIX` (role → category or type → letters); a type-level entry wins
over its category. docs/security.md prints the shipped matrix.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from dsn.fhir.definitions import resource_types

CATEGORIES: dict[str, tuple[str, ...]] = {
    "demographics": ("Patient", "RelatedPerson", "Person"),
    "directory": (
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "OrganizationAffiliation",
        "Location",
        "HealthcareService",
        "Endpoint",
    ),
    "scheduling": ("Appointment", "AppointmentResponse", "Schedule", "Slot"),
    "encounters": ("Encounter", "EpisodeOfCare", "Flag"),
    "allergies": ("AllergyIntolerance",),
    "problems": (
        "Condition",
        "Procedure",
        "FamilyMemberHistory",
        "ClinicalImpression",
        "DetectedIssue",
        "RiskAssessment",
        "AdverseEvent",
        "BodyStructure",
        "Goal",
        "CarePlan",
        "CareTeam",
        "NutritionOrder",
        "VisionPrescription",
        "DeviceRequest",
        "DeviceUseStatement",
        "Device",
        "Communication",
        "CommunicationRequest",
        "Task",
        "QuestionnaireResponse",
    ),
    "immunizations": ("Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation"),
    "medications": (
        "MedicationRequest",
        "MedicationStatement",
        "MedicationDispense",
        "MedicationAdministration",
        "Medication",
        "Substance",
    ),
    "labs": (
        "Observation",
        "DiagnosticReport",
        "Specimen",
        "ServiceRequest",
        "ImagingStudy",
        "Media",
        "MolecularSequence",
    ),
    "documents": ("DocumentReference", "DocumentManifest", "Composition", "Binary", "List"),
    "consent": ("Consent",),
    "audit": ("AuditEvent", "Provenance"),
}
OTHER = "other"  # conformance, knowledge, financial and workflow definitions

ROLES = ("physician", "nurse", "pharmacist", "clerk", "patient", "privacy_officer", "admin")
CLINICAL_ROLES = ("physician", "nurse", "pharmacist", "clerk")

ROLE_MATRIX: dict[str, dict[str, str]] = {
    "physician": {
        "demographics": "crus",
        "directory": "rs",
        "scheduling": "crus",
        "encounters": "cruds",
        "allergies": "cruds",
        "problems": "cruds",
        "immunizations": "cruds",
        "medications": "cruds",
        "labs": "cruds",
        "documents": "cruds",
        "consent": "rs",
        OTHER: "rs",
    },
    "nurse": {
        "demographics": "crus",
        "directory": "rs",
        "scheduling": "crus",
        "encounters": "crus",
        "allergies": "crus",
        "problems": "crus",
        "immunizations": "crus",
        "medications": "rs",
        "MedicationAdministration": "crus",
        "labs": "crus",
        "documents": "crus",
        "consent": "rs",
        OTHER: "rs",
    },
    "pharmacist": {
        "demographics": "rs",
        "directory": "rs",
        "allergies": "crus",
        "medications": "cruds",
        "labs": "rs",
        "consent": "rs",
    },
    "clerk": {
        "demographics": "crus",
        "directory": "rs",
        "scheduling": "cruds",
    },
    "patient": {
        "demographics": "rs",
        "directory": "rs",
        "scheduling": "rs",
        "encounters": "rs",
        "allergies": "rs",
        "problems": "rs",
        "immunizations": "rs",
        "medications": "rs",
        "labs": "rs",
        "documents": "rs",
        "consent": "crus",
    },
    "privacy_officer": {
        "directory": "rs",
        "demographics": "rs",
        "consent": "rs",
        "audit": "rs",
    },
    "admin": {
        "directory": "cruds",
        OTHER: "cruds",
    },
}


def category_of(res_type: str) -> str:
    for category, types in CATEGORIES.items():
        if res_type in types:
            return category
    return OTHER


@cache
def _overrides(path: str | None) -> dict[str, dict[str, str]]:
    if not path:
        return {}
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the role matrix override must be an object of role → cells")
    return data


@cache
def permissions(role: str, res_type: str, override_file: str | None = None) -> frozenset[str]:
    """The letters ``role`` may use on ``res_type`` (empty: nothing)."""
    category = category_of(res_type)
    cells = {**ROLE_MATRIX.get(role, {}), **_overrides(override_file).get(role, {})}
    letters = cells.get(res_type, cells.get(category, ""))
    return frozenset(letters)


@cache
def types_with(role: str, letter: str, override_file: str | None = None) -> frozenset[str]:
    """Every resource type on which ``role`` holds ``letter``."""
    return frozenset(t for t in resource_types() if letter in permissions(role, t, override_file))
