"""The demo's consent directives: the three choices the Act gives a patient, one patient each.

* **refusal** of all sharing — others see the Patient and the Consent (so they know
  sharing was refused), no data;
* **category restriction** — mental-health information (``PSY``) hidden from everyone;
* **organization restriction** — the whole record hidden from one organization: the
  Centre hospitalier régional des Trois-Rives, where ``infirmiere.mauricie`` works, so
  logging in as her shows the effect.

Each is a FHIR Consent as :mod:`dsn.security.consent` reads it (status ``active``, scope
``patient-privacy``, a ``deny`` provision), written by the patient, as the portal will.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from dsn.demo.callers import patient_context
from dsn.service.records import RecordService

__all__ = ["ConsentCase", "consent_resource", "write_consent"]

Kind = Literal["refusal", "category", "organization"]

_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_SIGNED: Final = "2025-03-03T10:00:00-05:00"  # before the synthetic world's "today" (2025-06-30)


@dataclass(frozen=True, slots=True)
class ConsentCase:
    """One patient's directive: ``label`` for a category restriction, ``organization`` for the third kind."""

    kind: Kind
    patient_id: str
    patient_display: str
    label: str | None = None
    organization: str | None = None


def consent_resource(case: ConsentCase) -> dict[str, Any]:
    """The FHIR Consent expressing ``case``."""
    provision: dict[str, Any] = {"type": "deny", "period": {"start": _SIGNED}}
    if case.kind == "category":
        provision["securityLabel"] = [{"system": _ACT_CODE, "code": case.label}]
    elif case.kind == "organization":
        provision["actor"] = [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": {"reference": f"Organization/{case.organization}"},
            }
        ]
    patient = f"Patient/{case.patient_id}"
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": patient, "display": case.patient_display},
        "dateTime": _SIGNED,
        "performer": [{"reference": patient, "display": case.patient_display}],
        "policyRule": {"text": "Loi sur les renseignements de santé et de services sociaux (Québec)"},
        "provision": provision,
    }


def write_consent(service: RecordService, case: ConsentCase) -> str:
    """Record the directive as the patient; the Consent's id."""
    ctx = patient_context(case.patient_id, case.patient_display)
    return service.create(ctx, "Consent", consent_resource(case)).stored.res_id
