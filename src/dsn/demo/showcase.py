"""The showcase patient: one hand-written chart that the demo script and browser tests follow.

Geneviève Bélanger-Côté lived in Montréal (Ahuntsic) until 2022, then moved to
Trois-Rivières. Her story is the pilot's argument in one chart:

* **Nord-de-l'Île-de-Montréal** (Hôpital Sainte-Aurélie-du-Nord, CLSC du
  Parc-des-Hirondelles): type 2 diabetes diagnosed in 2016 and treated with metformin; a
  **penicillin allergy** (hives, 2017 emergency visit); **every lab result** — HbA1c and
  creatinine with reference ranges, eight of each from 2016 to 2024 (her endocrinologist
  stayed in Montréal after the move); influenza and COVID-19 vaccines;
* **Mauricie-et-Centre-du-Québec** (CLSC des Chenaux-Verts, Centre hospitalier régional
  des Trois-Rives): a new family physician, a **depression** diagnosis in 2023 (SNOMED CT
  35489007, which DSN labels ``PSY`` by itself: the mental-health category a patient may
  restrict) treated with sertraline, hypertension treated with lisinopril, a sprained
  ankle at the emergency room, influenza vaccines.

So a Mauricie clinician opening her chart sees the allergy and the labs that Montréal
recorded. She has no consent restriction at the start; her account is ``patient.demo``.
Everything is fixed (no randomness): ids, dates and values are the same on every run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from dsn.demo.charts import ChartEntry
from dsn.demo.identifiers import mrn_identifier
from dsn.demo.regions import MAURICIE, NORD, region_code
from dsn.mpi.nam import build_nam
from dsn.synthetic.catalog import (
    ALLERGIES,
    CONDITIONS,
    CVX,
    LABS,
    LOINC,
    MEDICATIONS,
    RXNORM,
    SNOMED,
    UCUM,
    VACCINES,
)
from dsn.synthetic.clinical import concept, encounter_resource, synthetic_meta
from dsn.synthetic.facilities import Facility, sites
from dsn.synthetic.identifiers import NAM_SYSTEM, V2_0203

__all__ = ["SHOWCASE", "Showcase", "patient_resource", "showcase_chart"]


@dataclass(frozen=True, slots=True)
class Showcase:
    """What tests and the demo script need to find the showcase patient."""

    id: str
    given: str
    family: str
    birth_date: date
    nam: str
    mrn: str
    mrn_facility: str
    home_region: str
    lab_region: str
    username: str

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def reference(self) -> str:
        return f"Patient/{self.id}"


def _site(authority: Facility, facility_id: str) -> Facility:
    return next(site for site in sites(authority) if site.id == facility_id)


SAINTE_AURELIE: Final = _site(NORD, "fac-hopital-sainte-aurelie-du-nord")
HIRONDELLES: Final = _site(NORD, "fac-clsc-du-parc-des-hirondelles")
TROIS_RIVES: Final = _site(MAURICIE, "fac-centre-hospitalier-regional-des-trois-rives")
CHENAUX_VERTS: Final = _site(MAURICIE, "fac-clsc-des-chenaux-verts")

_BIRTH: Final = date(1971, 9, 23)
SHOWCASE: Final = Showcase(
    id="demo-genevieve-belanger-cote",
    given="Geneviève",
    family="Bélanger-Côté",
    birth_date=_BIRTH,
    nam=build_nam("Bélanger-Côté", "Geneviève", _BIRTH, "female"),
    mrn="52094417",
    mrn_facility=TROIS_RIVES.id,
    home_region=region_code(MAURICIE),
    lab_region=region_code(NORD),
    username="patient.demo",
)
_MONTREAL_MRN: Final = "40213877"
_NAMESPACE: Final = uuid.UUID("6f1c1d7e-3b0a-4d52-9a51-0d5e2c1b7a10")  # ids of the showcase's resources


def showcase_chart() -> list[ChartEntry]:
    """The showcase patient's Patient and chart, each resource with the facility that recorded it."""
    return _ChartWriter().write()


def patient_resource() -> dict[str, Any]:
    """Her Patient resource (no ``id``: it is written under :attr:`Showcase.id`).

    Medical record numbers are fixed too; the generated population's numbering at those
    facilities starts far from them (:meth:`IdentityRegistry.assign_mrn`).
    """
    return {
        "resourceType": "Patient",
        "meta": synthetic_meta(),
        "identifier": [
            {
                "use": "official",
                "type": {
                    "coding": [{"system": V2_0203, "code": "JHN", "display": "Jurisdictional health number (Canada)"}],
                    "text": "NAM",
                },
                "system": NAM_SYSTEM,
                "value": SHOWCASE.nam,
                "assigner": {"display": "Régie de l'assurance maladie du Québec"},
            },
            mrn_identifier(TROIS_RIVES, SHOWCASE.mrn),
            mrn_identifier(SAINTE_AURELIE, _MONTREAL_MRN),
        ],
        "active": True,
        "name": [{"use": "official", "family": SHOWCASE.family, "given": [SHOWCASE.given]}],
        "telecom": [
            {"system": "phone", "value": "+1 819 555-0142", "use": "mobile"},
            {"system": "email", "value": "genevieve.belanger-cote@example.org", "use": "home"},
        ],
        "gender": "female",
        "birthDate": SHOWCASE.birth_date.isoformat(),
        "address": [
            {
                "use": "home",
                "type": "physical",
                "line": ["1245 rue Laviolette, app. 3"],
                "city": "Trois-Rivières",
                "state": "QC",
                "postalCode": "G9A 1W3",
                "country": "CA",
                "period": {"start": "2022-07-01"},
            }
        ],
        "communication": [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": "fr-CA", "display": "French (Canada)"}],
                    "text": "Français",
                },
                "preferred": True,
            }
        ],
        "managingOrganization": {"reference": MAURICIE.reference, "display": MAURICIE.name},
    }


class _ChartWriter:
    """Appends the chart's resources in date order, each with a stable id and its facility."""

    def __init__(self) -> None:
        self.entries: list[ChartEntry] = []
        self.subject = SHOWCASE.reference

    def write(self) -> list[ChartEntry]:
        self.entries.append(ChartEntry(SHOWCASE.reference, patient_resource(), TROIS_RIVES))
        self._montreal_years()
        self._trois_rivieres_years()
        return self.entries

    # -- the story ------------------------------------------------------------------------

    def _montreal_years(self) -> None:
        visit = self._encounter("2016-04-12T09:40", SAINTE_AURELIE, "problem", reason="diabetes")
        diabetes = self._condition("diabetes", visit, SAINTE_AURELIE, "2016-04-12T09:40")
        self._medication("metformin", visit, SAINTE_AURELIE, "2016-04-12T09:40", diabetes, "active")
        self._labs(visit, "2016-04-12T08:15", hba1c=7.9, creatinine=64)

        emergency = self._encounter("2017-02-08T19:05", SAINTE_AURELIE, "emergency", klass="EMER", hours=4)
        self._allergy(emergency, "2017-02-08T19:05")

        for when, hba1c, creatinine in (
            ("2017-10-17T08:20", 7.4, 66),
            ("2018-10-09T08:05", 7.1, 69),
            ("2019-10-22T08:30", 6.9, 71),
            ("2020-10-06T08:10", 7.2, 72),
            ("2021-09-28T08:25", 6.8, 74),
            ("2023-05-16T08:15", 7.0, 79),
            ("2024-10-29T08:20", 6.7, 83),
        ):
            followup = self._encounter(when, SAINTE_AURELIE, "followup", reason="diabetes")
            self._labs(followup, when, hba1c=hba1c, creatinine=creatinine)

        for when, vaccine in (
            ("2019-11-13T13:30", "influenza"),
            ("2020-11-18T10:45", "influenza"),
            ("2021-04-20T15:10", "covid19"),
            ("2021-06-15T14:40", "covid19"),
        ):
            self._vaccination(when, HIRONDELLES, vaccine)

    def _trois_rivieres_years(self) -> None:
        self._encounter("2022-09-14T10:00", CHENAUX_VERTS, "checkup")
        visit = self._encounter("2023-03-07T14:20", CHENAUX_VERTS, "problem", reason="depression")
        depression = self._condition("depression", visit, CHENAUX_VERTS, "2023-03-07T14:20")
        self._medication("sertraline", visit, CHENAUX_VERTS, "2023-03-07T14:20", depression, "active")
        self._vaccination("2023-10-25T09:15", CHENAUX_VERTS, "influenza")
        sprain = self._encounter("2024-02-19T21:35", TROIS_RIVES, "emergency", klass="EMER", hours=3)
        ankle = self._condition(
            "ankle_sprain", sprain, TROIS_RIVES, "2024-02-19T21:35", abated="2024-03-15", category="encounter-diagnosis"
        )
        self._medication("ibuprofen", sprain, TROIS_RIVES, "2024-02-19T21:35", ankle, "completed")
        visit = self._encounter("2024-06-11T11:05", CHENAUX_VERTS, "problem", reason="hypertension")
        hypertension = self._condition("hypertension", visit, CHENAUX_VERTS, "2024-06-11T11:05")
        self._medication("lisinopril", visit, CHENAUX_VERTS, "2024-06-11T11:05", hypertension, "active")
        self._vaccination("2024-10-30T09:40", CHENAUX_VERTS, "influenza")
        self._encounter("2025-01-15T13:50", CHENAUX_VERTS, "followup", reason="depression")

    # -- resources ------------------------------------------------------------------------

    def _add(self, resource: dict[str, Any], facility: Facility) -> str:
        url = f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{SHOWCASE.id}:{len(self.entries)}')}"
        self.entries.append(ChartEntry(url, resource, facility))
        return url

    def _encounter(
        self,
        when: str,
        site: Facility,
        kind: str,
        *,
        reason: str | None = None,
        klass: str = "AMB",
        hours: int = 1,
    ) -> str:
        spec = CONDITIONS[reason] if reason is not None else None
        resource = encounter_resource(self.subject, kind, klass, _stamp(when), _stamp(when, hours=hours), spec)
        resource["serviceProvider"] = {"reference": site.reference, "display": site.name}
        return self._add(resource, site)

    def _condition(
        self,
        key: str,
        encounter: str,
        site: Facility,
        when: str,
        *,
        abated: str | None = None,
        category: str = "problem-list-item",
    ) -> str:
        spec = CONDITIONS[key]
        status = "resolved" if abated else "active"
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "meta": synthetic_meta(),
            "clinicalStatus": {"coding": [{"system": _CONDITION_CLINICAL, "code": status}]},
            "verificationStatus": {"coding": [{"system": _CONDITION_VERIFICATION, "code": "confirmed"}]},
            "category": [{"coding": [{"system": _CONDITION_CATEGORY, "code": category}]}],
            "code": concept(SNOMED, spec.code, spec.display, spec.text_fr),
            "subject": {"reference": self.subject},
            "encounter": {"reference": encounter},
            "onsetDateTime": _stamp(when),
            "recordedDate": _stamp(when),
        }
        if abated:
            resource["abatementDateTime"] = abated
        return self._add(resource, site)

    def _medication(self, key: str, encounter: str, site: Facility, when: str, reason: str, status: str) -> None:
        spec = MEDICATIONS[key]
        resource: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "meta": synthetic_meta(),
            "status": status,
            "intent": "order",
            "medicationCodeableConcept": {
                "coding": [{"system": RXNORM, "code": spec.code, "display": spec.display}],
                "text": spec.display,
            },
            "subject": {"reference": self.subject},
            "encounter": {"reference": encounter},
            "authoredOn": _stamp(when),
            "requester": {"reference": site.reference, "display": site.name},
            "reasonReference": [{"reference": reason}],
            "dosageInstruction": [
                {
                    "sequence": 1,
                    "text": spec.directions_fr,
                    "timing": {
                        "repeat": {"frequency": spec.frequency, "period": spec.period, "periodUnit": spec.period_unit}
                    },
                    "asNeededBoolean": spec.as_needed,
                }
            ],
        }
        self._add(resource, site)

    def _allergy(self, encounter: str, when: str) -> None:
        spec = ALLERGIES["penicillin"]
        hives = next(reaction for reaction in spec.reactions if reaction[0] == "126485001")
        resource = {
            "resourceType": "AllergyIntolerance",
            "meta": synthetic_meta(),
            "clinicalStatus": {"coding": [{"system": _ALLERGY_CLINICAL, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": _ALLERGY_VERIFICATION, "code": "confirmed"}]},
            "type": spec.type,
            "category": [spec.category],
            "criticality": "high",
            "code": concept(SNOMED, spec.code, spec.display, spec.text_fr),
            "patient": {"reference": self.subject},
            "encounter": {"reference": encounter},
            "onsetDateTime": _stamp(when),
            "recordedDate": _stamp(when),
            "note": [{"text": "Urticaire généralisée 2 h après une dose d'amoxicilline (sinusite)."}],
            "reaction": [
                {
                    "substance": concept(SNOMED, "27658006", "Amoxicillin (substance)", "Amoxicilline"),
                    "manifestation": [concept(SNOMED, *hives)],
                    "severity": "moderate",
                }
            ],
        }
        self._add(resource, SAINTE_AURELIE)

    def _labs(self, encounter: str, when: str, *, hba1c: float, creatinine: int) -> None:
        issued = _stamp(when, hours=6)
        for test, value in (("hba1c", hba1c), ("creatinine", creatinine)):
            observation = self._observation(test, value, encounter, when, issued)
            code, display, text = _REPORTS[test]
            report = {
                "resourceType": "DiagnosticReport",
                "meta": synthetic_meta(),
                "status": "final",
                "category": [{"coding": [{"system": _V2_0074, "code": "LAB", "display": "Laboratory"}]}],
                "code": concept(LOINC, code, display, text),
                "subject": {"reference": self.subject},
                "encounter": {"reference": encounter},
                "effectiveDateTime": _stamp(when),
                "issued": issued,
                "performer": [{"reference": SAINTE_AURELIE.reference, "display": SAINTE_AURELIE.name}],
                "result": [{"reference": observation}],
            }
            self._add(report, SAINTE_AURELIE)

    def _observation(self, test: str, value: float, encounter: str, when: str, issued: str) -> str:
        spec = LABS[test]
        _mean, _sd, low, high = spec.female
        flag = "H" if high is not None and value > high else "L" if low is not None and value < low else "N"
        quantity = {"unit": spec.unit, "system": UCUM, "code": spec.ucum}
        reference_range: dict[str, Any] = {}
        if low is not None:
            reference_range["low"] = {"value": low, **quantity}
        if high is not None:
            reference_range["high"] = {"value": high, **quantity}
        resource = {
            "resourceType": "Observation",
            "meta": synthetic_meta(),
            "status": "final",
            "category": [{"coding": [{"system": _OBSERVATION_CATEGORY, "code": "laboratory"}]}],
            "code": concept(LOINC, spec.code, spec.display, _REPORTS[test][2]),
            "subject": {"reference": self.subject},
            "encounter": {"reference": encounter},
            "effectiveDateTime": _stamp(when),
            "issued": issued,
            "performer": [{"reference": SAINTE_AURELIE.reference, "display": SAINTE_AURELIE.name}],
            "valueQuantity": {"value": value, **quantity},
            "interpretation": [{"coding": [{"system": _V3_INTERPRETATION, "code": flag, "display": _FLAGS[flag]}]}],
            "referenceRange": [reference_range],
        }
        return self._add(resource, SAINTE_AURELIE)

    def _vaccination(self, when: str, site: Facility, vaccine: str) -> None:
        encounter = self._encounter(when, site, "vaccination")
        spec = VACCINES[vaccine]
        resource = {
            "resourceType": "Immunization",
            "meta": synthetic_meta(),
            "status": "completed",
            "vaccineCode": concept(CVX, spec.code, spec.display, spec.text_fr),
            "patient": {"reference": self.subject},
            "encounter": {"reference": encounter},
            "occurrenceDateTime": _stamp(when),
            "primarySource": True,
            "lotNumber": f"QC{when[2:4]}{when[5:7]}{when[8:10]}",
            "performer": [{"actor": {"reference": site.reference, "display": site.name}}],
        }
        self._add(resource, site)


def _stamp(local: str, *, hours: float = 0) -> str:
    """``local`` (``YYYY-MM-DDTHH:MM``, Quebec time) plus ``hours``, with Quebec's offset.

    Daylight time is taken as April to October: the story has no date in the weeks of
    the March and November switches.
    """
    moment = datetime.fromisoformat(local) + timedelta(hours=hours)
    return moment.isoformat(timespec="seconds") + ("-04:00" if 4 <= moment.month <= 10 else "-05:00")


_V3_INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
_V2_0074: Final = "http://terminology.hl7.org/CodeSystem/v2-0074"
_CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
_ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
_FLAGS: Final = {"N": "Normal", "L": "Low", "H": "High"}
# The report of each single test: LOINC code, display, French text (HbA1c as the synthetic a1c panel).
_REPORTS: Final = {
    "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "Hémoglobine glyquée (HbA1c)"),
    "creatinine": ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "Créatinine sérique"),
}
