"""Who writes the demo's records: the facility where each record was made, or the patient.

DSN stamps every new resource with the writer's organization and region
(``source_org``/``source_region``), and only that region may later correct it. So the
demo does not load records as the server (which has neither): each part of a chart is
written by a caller standing for the facility that produced it — a clinician-like user
of that facility's region, as a hospital's chart system feeding DSN would be — and
patients' consent directives are written by the patients themselves.
"""

from __future__ import annotations

from dsn.demo.regions import region_code
from dsn.service.context import Caller, RequestContext
from dsn.synthetic.facilities import Facility

__all__ = ["facility_context", "patient_context", "registration_context"]

_SCOPES = ("user/*.cruds",)


def facility_context(facility: Facility, *, role: str = "physician") -> RequestContext:
    """A clinician of ``facility`` recording care there (physician: may write every clinical type)."""
    caller = Caller(
        kind="user",
        subject=f"demo-loader:{facility.id}",
        display=f"{facility.name} (chargement démo / demo load)",
        role=role,
        scopes=_SCOPES,
        organization=facility.id,
        region=region_code(facility),
    )
    return RequestContext(caller=caller, request_id=f"demo-{facility.id}")


def registration_context(facility: Facility) -> RequestContext:
    """An admission clerk of ``facility`` registering a patient."""
    return facility_context(facility, role="clerk")


def patient_context(patient_id: str, display: str) -> RequestContext:
    """The patient, acting on their own record (their consent directives)."""
    caller = Caller(
        kind="user",
        subject=f"demo-patient:{patient_id}",
        display=display,
        role="patient",
        scopes=("patient/*.cruds",),
        patients=(patient_id,),
        fhir_user=f"Patient/{patient_id}",
    )
    return RequestContext(caller=caller, request_id=f"demo-patient-{patient_id}")
