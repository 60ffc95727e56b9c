"""A synthetic person's clinical history as FHIR R4 resources.

The history covers the ``history_years`` before the reference date (or the whole life of
younger people) and is built as a timeline of episodes, in date order:

* chronic conditions drawn by age and sex (hypertension, diabetes, depression, HIV, …),
  each diagnosed at a visit, treated with a long-term drug and monitored with lab panels
  at later check-ups; some resolve (depression, substance use) and their drug is stopped;
* acute episodes (pharyngitis, sprains, pneumonia, STIs, …) seen in a clinic, the
  emergency room or as an inpatient stay, sometimes with a short course of treatment;
* pregnancies with prenatal visits; allergies, recorded at the first visit after onset;
* immunizations: Quebec's childhood schedule, school programme, yearly influenza for the
  old and the chronically ill, COVID-19 from 2021, zoster and pneumococcus later in life.

Every resource is valid FHIR R4 (tests check it with :func:`dsn.fhir.validation.
validate_resource`), carries the ``HTEST`` tag, and refers to the Patient and to earlier
resources only by ``urn:uuid:`` fullUrl, to facilities by ``Organization/<id>``.  Because
every reference points *backwards* in the returned list, any prefix of it is a
self-consistent record: that is how ``target`` trims a history to an exact size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Final

from dsn.synthetic.catalog import (
    ALLERGIES,
    CONDITIONS,
    CVX,
    LABS,
    LOINC,
    MEDICATIONS,
    PANELS,
    RXNORM,
    SNOMED,
    UCUM,
    VACCINES,
    AllergySpec,
    ConditionSpec,
    LabSpec,
)
from dsn.synthetic.facilities import Facility
from dsn.synthetic.people import HTEST_TAG, REFERENCE_DATE, Person

__all__ = ["DEFAULT_HISTORY_YEARS", "Entry", "clinical_resources"]

Entry = tuple[str, dict[str, Any]]
"""A resource with the ``urn:uuid:`` fullUrl that other resources use to refer to it."""

DEFAULT_HISTORY_YEARS: Final = 12

_V3_ACT: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_V3_INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
_V2_0074: Final = "http://terminology.hl7.org/CodeSystem/v2-0074"
_CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
_ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
_DISCHARGE: Final = "http://terminology.hl7.org/CodeSystem/discharge-disposition"

_CLASS_DISPLAY: Final = {"AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient encounter"}
_ENCOUNTER_TYPES: Final = {
    "checkup": ("185349003", "Encounter for check up (procedure)"),
    "followup": ("390906007", "Follow-up encounter (procedure)"),
    "problem": ("185347001", "Encounter for problem (procedure)"),
    "symptom": ("185345009", "Encounter for symptom (procedure)"),
    "emergency": ("50849002", "Emergency room admission (procedure)"),
    "admission": ("32485007", "Hospital admission (procedure)"),
    "vaccination": ("33879002", "Administration of vaccine to produce active immunity (procedure)"),
    "prenatal_initial": ("424441002", "Prenatal initial visit (regime/therapy)"),
    "prenatal": ("424619006", "Prenatal visit (regime/therapy)"),
}
# What a Quebec chart calls each kind of visit (Encounter.type.text).
ENCOUNTER_TEXT_FR: Final = {
    "checkup": "Examen médical périodique",
    "followup": "Visite de suivi",
    "problem": "Consultation pour un problème de santé",
    "symptom": "Consultation pour un symptôme",
    "emergency": "Visite à l'urgence",
    "admission": "Hospitalisation",
    "vaccination": "Vaccination",
    "prenatal_initial": "Première visite prénatale",
    "prenatal": "Suivi prénatal",
}
_INTERPRETATION: Final = {
    "N": "Normal",
    "L": "Low",
    "H": "High",
    "LL": "Critical low",
    "HH": "Critical high",
}
_CLINICAL_DISPLAY: Final = {"active": "Active", "resolved": "Resolved", "remission": "Remission"}
_SUBSTANCE_USE: Final = frozenset({"alcohol_use_disorder", "opioid_use_disorder"})
_LOT_LETTERS: Final = "ABCDEFGHJKLMNPRSTUVWXYZ"

# Childhood schedule (Quebec Immunization Protocol, simplified): age in days → vaccines.
_CHILDHOOD_SCHEDULE: Final = (
    (61, ("dtap_ipv_hib_hepb", "pcv13")),
    (122, ("dtap_ipv_hib_hepb", "pcv13")),
    (365, ("dtap_ipv_hib_hepb", "pcv13", "mmr")),
    (548, ("mmrv", "men_c")),
    (1461, ("dtap_ipv",)),
    (3470, ("hpv9",)),
    (3650, ("hpv9",)),
    (5110, ("tdap",)),
)
_COVID_CAMPAIGNS: Final = (  # (year, minimum age, share vaccinated, doses)
    (2021, 12, 0.88, 2),
    (2022, 18, 0.55, 1),
    (2023, 18, 0.25, 1),
    (2024, 18, 0.20, 1),
)


@dataclass(slots=True)
class _Chronic:
    spec: ConditionSpec
    onset: date
    resolved: date | None
    url: str = ""
    medication: dict[str, Any] | None = None
    medication_key: str | None = None

    def active_on(self, day: date) -> bool:
        return self.onset <= day and (self.resolved is None or day < self.resolved)


@dataclass(slots=True)
class _Allergy:
    spec: AllergySpec
    onset: date
    recorded: bool = False


def clinical_resources(
    person: Person,
    rng: random.Random,
    *,
    as_of: date = REFERENCE_DATE,
    history_years: int = DEFAULT_HISTORY_YEARS,
    target: int | None = None,
) -> list[Entry]:
    """The person's clinical resources (not the Patient), oldest episode first.

    With ``target``, exactly that many resources: extra check-ups are added to a history
    that is too short, and the list is cut where it is too long (safe, since references
    only point backwards).
    """
    chart = _Chart(person, rng, as_of, history_years)
    chart.write_history(stop_at=target)
    if target is not None:
        while len(chart.entries) < target:
            chart.extra_checkup()
        del chart.entries[target:]
    return chart.entries


class _Chart:
    """Builds one person's resources episode by episode, in date order."""

    def __init__(self, person: Person, rng: random.Random, as_of: date, history_years: int):
        self.person = person
        self.rng = rng
        self.as_of = as_of
        self.start = max(person.birth_date, _years_before(as_of, history_years))
        self.subject = person.full_url
        self.entries: list[Entry] = []
        self.hospitals = [f for f in person.facilities if f.kind != "CLSC"] or list(person.facilities)
        self.clinics = [f for f in person.facilities if f.kind == "CLSC"] or self.hospitals
        self.lab = self.hospitals[0]
        self.chronic = _draw_chronic(rng, person, as_of)
        self.allergies = _draw_allergies(rng, person, as_of)
        self.allergy_keys = {a.spec.key for a in self.allergies}

    # ------------------------------------------------------------------ timeline

    def write_history(self, *, stop_at: int | None = None) -> None:
        """Write every planned episode, or stop once ``stop_at`` resources exist."""
        episodes: list[tuple[date, int, str, Any]] = []
        for item in self.chronic:
            if item.onset >= self.start:
                episodes.append((item.onset, 0, "diagnosis", item))
        self._plan_visits(episodes)
        self._plan_vaccinations(episodes)
        if not episodes:
            episodes.append((self._random_day(self.start, self.as_of), 1, "checkup", None))
        episodes.sort(key=lambda episode: (episode[0], episode[1]))
        handlers = {
            "diagnosis": self._diagnosis,
            "checkup": self._checkup,
            "acute": self._acute,
            "pregnancy": self._pregnancy,
            "vaccination": self._vaccination,
        }
        for day, _, kind, payload in episodes:
            if stop_at is not None and len(self.entries) >= stop_at:
                return
            handlers[kind](day, payload)

    def extra_checkup(self) -> None:
        """One more check-up with lab work, on a random day of the history (to reach a
        target size with the usual mix of resources rather than bare encounters)."""
        self._checkup(self._random_day(self.start, self.as_of), None, with_labs=True)

    def _plan_visits(self, episodes: list[tuple[date, int, str, Any]]) -> None:
        rng, person = self.rng, self.person
        acute = [spec for spec in CONDITIONS.values() if not spec.chronic and spec.rate > 0]
        next_pregnancy = self.start
        for year in range(self.start.year, self.as_of.year + 1):
            first = max(self.start, date(year, 1, 1))
            last = min(self.as_of, date(year, 12, 31))
            if first > last:
                continue
            mid = first + (last - first) / 2
            age = person.age_on(mid)
            active = sum(1 for item in self.chronic if item.active_on(mid))
            share = ((last - first).days + 1) / 365
            checkups = (0.6 + 0.7 * min(active, 4) + (0.6 if age >= 65 else 0.0)) * share
            for _ in range(_count(rng, checkups)):
                episodes.append((self._random_day(first, last), 1, "checkup", None))
            acute_rate = 1.0 if age < 5 else 0.5 if age < 18 else 0.35 if age < 65 else 0.5
            for _ in range(_count(rng, acute_rate * share)):
                day = self._random_day(first, last)
                spec = _pick_acute(rng, acute, person.age_on(day), person.sex)
                if spec is not None:
                    episodes.append((day, 1, "acute", spec))
            if person.sex == "female" and 18 <= age <= 44 and mid >= next_pregnancy and rng.random() < 0.06 * share:
                day = self._random_day(first, last)
                episodes.append((day, 1, "pregnancy", None))
                next_pregnancy = day + timedelta(days=730)

    def _plan_vaccinations(self, episodes: list[tuple[date, int, str, Any]]) -> None:
        rng, person = self.rng, self.person
        by_day: dict[date, list[str]] = {}
        birth = person.birth_date
        for age_days, vaccines in _CHILDHOOD_SCHEDULE:
            day = birth + timedelta(days=age_days + rng.randrange(21))
            if self.start <= day <= self.as_of and rng.random() < 0.93:
                by_day.setdefault(day, []).extend(vaccines)
        chronic_any = bool(self.chronic)
        for year in range(self.start.year, self.as_of.year + 1):
            autumn = date(year, 10, 15) + timedelta(days=rng.randrange(60))
            if not self.start <= autumn <= self.as_of:
                continue
            age = person.age_on(autumn)
            if age >= 1 and rng.random() < (0.65 if age >= 60 or chronic_any else 0.12):
                by_day.setdefault(autumn, []).append("influenza")
            if age >= 18 and rng.random() < 0.03:
                by_day.setdefault(autumn, []).append("td")
            if age >= 50 and year >= 2019 and rng.random() < 0.04:
                by_day.setdefault(autumn - timedelta(days=30), []).append("zoster")
            if age == 65 and rng.random() < 0.5:
                by_day.setdefault(autumn, []).append("ppsv23")
        for year, min_age, share, doses in _COVID_CAMPAIGNS:
            day = date(year, 4, 1) + timedelta(days=rng.randrange(120))
            if not self.start <= day <= self.as_of or person.age_on(day) < min_age:
                continue
            if rng.random() < (min(0.95, share * 1.8) if person.age_on(day) >= 60 else share):
                for dose in range(doses):
                    dose_day = day + timedelta(days=56 * dose)
                    if dose_day <= self.as_of:
                        by_day.setdefault(dose_day, []).append("covid19")
        for day, vaccines in by_day.items():
            episodes.append((day, 2, "vaccination", vaccines))

    # ------------------------------------------------------------------ episodes

    def _diagnosis(self, day: date, item: _Chronic) -> None:
        when = self._clock(day)
        encounter = self._encounter(when, "AMB", "problem", self._ambulatory_site(), reason=item.spec)
        self._record_pending(day, encounter, when)
        self._condition_for_chronic(item, encounter, when)
        self._panels(encounter, when, item.spec.monitoring)

    def _checkup(self, day: date, _: object, *, with_labs: bool = False) -> None:
        when = self._clock(day)
        active = [item for item in self.chronic if item.active_on(day)]
        kind = "followup" if active else "checkup"
        encounter = self._encounter(when, "AMB", kind, self._ambulatory_site())
        self._record_pending(day, encounter, when)
        rng = self.rng
        panels: list[str] = []
        for item in active:
            for panel in item.spec.monitoring:
                if panel not in panels and rng.random() < 0.7:
                    panels.append(panel)
            if item.url and item.medication is not None and rng.random() < 0.04:
                self._switch_medication(item, encounter, when)
        age = self.person.age_on(day)
        if age >= 18:
            for panel, share, min_age in _ROUTINE_PANELS:
                if age >= min_age and panel not in panels and rng.random() < share:
                    panels.append(panel)
        if with_labs and not panels:
            panels.append(rng.choice(("cbc", "bmp", "lipids")))
        self._panels(encounter, when, panels)

    def _acute(self, day: date, spec: ConditionSpec) -> None:
        when = self._clock(day)
        klass = spec.encounter_class
        if klass == "AMB":
            site, kind, hours = self._ambulatory_site(), "symptom", 1
        elif klass == "EMER":
            site, kind, hours = self._hospital(), "emergency", 3 + self.rng.randrange(8)
        else:
            site, kind, hours = self._hospital(), "admission", 24 * (2 + self.rng.randrange(6))
        encounter = self._encounter(when, klass, kind, site, reason=spec, hours=hours)
        self._record_pending(day, encounter, when)
        resolved = min(day + timedelta(days=7 + self.rng.randrange(21)), self.as_of)
        condition = self._condition(
            spec, encounter, onset=when, recorded=when,
            category="encounter-diagnosis",
            status="resolved" if resolved < self.as_of else "active",
            abatement=self._clock(resolved) if resolved < self.as_of else None,
        )  # fmt: skip
        medication = self._allowed_medication(spec)
        if medication is not None:
            status = "completed" if resolved < self.as_of else "active"
            self._medication_request(medication, encounter, when, condition, status, site)
        if klass != "AMB":
            self._panels(encounter, when, ("cbc", "bmp") if klass == "IMP" else ("cbc",))

    def _pregnancy(self, day: date, _: object) -> None:
        when = self._clock(day)
        spec = CONDITIONS["pregnancy"]
        encounter = self._encounter(when, "AMB", "prenatal_initial", self._ambulatory_site(), reason=spec)
        self._record_pending(day, encounter, when)
        end = day + timedelta(days=240 + self.rng.randrange(40))
        done = end < self.as_of
        condition = self._condition(
            spec, encounter, onset=self._clock(day - timedelta(days=56)),
            recorded=when, category="problem-list-item",
            status="resolved" if done else "active",
            abatement=self._clock(end) if done else None,
        )  # fmt: skip
        self._panels(encounter, when, ("cbc",))
        for offset in (90, 180):
            visit = day + timedelta(days=offset)
            if visit < min(end, self.as_of):
                self._prenatal(visit, condition)

    def _prenatal(self, day: date, condition: str) -> None:
        when = self._clock(day)
        encounter = self._encounter(when, "AMB", "prenatal", self._ambulatory_site(), reason_reference=condition)
        if self.rng.random() < 0.5:
            self._panels(encounter, when, ("cbc",))

    def _vaccination(self, day: date, vaccines: list[str]) -> None:
        when = self._clock(day)
        site = self._ambulatory_site()
        encounter = self._encounter(when, "AMB", "vaccination", site, hours=0)
        self._record_pending(day, encounter, when)
        for key in vaccines:
            self._immunization(key, encounter, when, site)

    # ------------------------------------------------------------------ recording

    def _record_pending(self, day: date, encounter: str, when: str) -> None:
        """Chronic conditions from before the history and allergies, at the first visit."""
        for item in self.chronic:
            if not item.url and item.onset < self.start and item.onset <= day:
                self._condition_for_chronic(item, encounter, when)
        for allergy in self.allergies:
            if not allergy.recorded and allergy.onset <= day:
                allergy.recorded = True
                self._allergy(allergy, encounter, when)

    def _condition_for_chronic(self, item: _Chronic, encounter: str, when: str) -> None:
        resolved = item.resolved
        status = "active"
        if resolved is not None:
            status = "remission" if item.spec.key in _SUBSTANCE_USE else "resolved"
        diagnosed_now = item.onset >= self.start  # else known from before the history
        item.url = self._condition(
            item.spec, encounter, onset=when if diagnosed_now else self._clock(item.onset), recorded=when,
            category="problem-list-item", status=status,
            abatement=self._clock(resolved) if resolved is not None else None,
        )  # fmt: skip
        medication = self._allowed_medication(item.spec)
        if medication is not None:
            status = "stopped" if resolved is not None else "active"
            item.medication_key = medication
            item.medication = self._medication_request(medication, encounter, when, item.url, status, self.hospitals[0])

    def _switch_medication(self, item: _Chronic, encounter: str, when: str) -> None:
        options = [key for key in item.spec.medications if key != item.medication_key and self._allowed(key)]
        if not options or item.medication is None:
            return
        item.medication["status"] = "stopped"
        item.medication_key = self.rng.choice(options)
        item.medication = self._medication_request(
            item.medication_key, encounter, when, item.url, "active", self.hospitals[0]
        )

    def _allowed_medication(self, spec: ConditionSpec) -> str | None:
        for key in spec.medications:
            if self._allowed(key):
                return key
        return None

    def _allowed(self, key: str) -> bool:
        blocker = MEDICATIONS[key].contraindicated_by
        return blocker is None or blocker not in self.allergy_keys

    # ------------------------------------------------------------------ sites and time

    def _ambulatory_site(self) -> Facility:
        rng = self.rng
        if self.person.facilities[-1].authority_id != self.person.region.id and rng.random() < 0.1:
            return self.person.facilities[-1]
        return rng.choice(self.clinics if rng.random() < 0.7 else self.hospitals)

    def _hospital(self) -> Facility:
        return self.rng.choice(self.hospitals)

    def _clock(self, day: date) -> str:
        """A local date-time on ``day`` during opening hours, with Quebec's UTC offset."""
        moment = datetime(day.year, day.month, day.day, 8 + self.rng.randrange(10),
                          self.rng.randrange(60))  # fmt: skip
        return _stamp(moment)

    def _random_day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def _add(self, resource: dict[str, Any]) -> str:
        url = _urn(self.rng)
        self.entries.append((url, resource))
        return url

    # ------------------------------------------------------------------ resources

    def _encounter(
        self,
        when: str,
        klass: str,
        kind: str,
        site: Facility,
        *,
        reason: ConditionSpec | None = None,
        reason_reference: str | None = None,
        hours: int = 1,
    ) -> str:
        resource = encounter_resource(self.subject, kind, klass, when, _later(when, hours), reason)
        if reason_reference is not None:
            resource["reasonReference"] = [{"reference": reason_reference}]
        if klass == "IMP":
            resource["hospitalization"] = {
                "dischargeDisposition": {"coding": [{"system": _DISCHARGE, "code": "home", "display": "Home"}]}
            }
        resource["serviceProvider"] = {"reference": site.reference, "display": site.name}
        return self._add(resource)

    def _condition(
        self,
        spec: ConditionSpec,
        encounter: str,
        *,
        onset: str,
        recorded: str,
        category: str,
        status: str,
        abatement: str | None,
    ) -> str:
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "meta": synthetic_meta(),
            "clinicalStatus": {
                "coding": [
                    {
                        "system": _CONDITION_CLINICAL,
                        "code": status,
                        "display": _CLINICAL_DISPLAY[status],
                    }
                ]
            },
            "verificationStatus": {
                "coding": [{"system": _CONDITION_VERIFICATION, "code": "confirmed", "display": "Confirmed"}]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": _CONDITION_CATEGORY,
                            "code": category,
                            "display": _CATEGORY_DISPLAY[category],
                        }
                    ]
                }
            ],
            "code": concept(SNOMED, spec.code, spec.display, spec.text_fr),
            "subject": {"reference": self.subject},
            "encounter": {"reference": encounter},
            "onsetDateTime": onset,
        }
        if abatement is not None:
            resource["abatementDateTime"] = abatement
        resource["recordedDate"] = recorded
        return self._add(resource)

    def _allergy(self, allergy: _Allergy, encounter: str, when: str) -> None:
        spec, rng = allergy.spec, self.rng
        high = rng.random() < spec.high_criticality_rate
        reaction_code, reaction_display, reaction_fr = rng.choice(spec.reactions)
        severity = "severe" if reaction_code == "39579001" else rng.choice(("mild", "moderate"))
        self._add(
            {
                "resourceType": "AllergyIntolerance",
                "meta": synthetic_meta(),
                "clinicalStatus": {"coding": [{"system": _ALLERGY_CLINICAL, "code": "active", "display": "Active"}]},
                "verificationStatus": {
                    "coding": [
                        {
                            "system": _ALLERGY_VERIFICATION,
                            "code": "confirmed",
                            "display": "Confirmed",
                        }
                    ]
                },
                "type": spec.type,
                "category": [spec.category],
                "criticality": "high" if high or severity == "severe" else "low",
                "code": concept(SNOMED, spec.code, spec.display, spec.text_fr),
                "patient": {"reference": self.subject},
                "encounter": {"reference": encounter},
                "onsetDateTime": allergy.onset.isoformat(),
                "recordedDate": when,
                "reaction": [
                    {
                        "manifestation": [concept(SNOMED, reaction_code, reaction_display, reaction_fr)],
                        "severity": severity,
                    }
                ],
            }
        )

    def _medication_request(
        self,
        key: str,
        encounter: str,
        when: str,
        reason: str,
        status: str,
        prescriber: Facility,
    ) -> dict[str, Any]:
        spec = MEDICATIONS[key]
        dosage: dict[str, Any] = {
            "sequence": 1,
            "text": spec.directions_fr,
            "timing": {
                "repeat": {
                    "frequency": spec.frequency,
                    "period": spec.period,
                    "periodUnit": spec.period_unit,
                }
            },
            "asNeededBoolean": spec.as_needed,
        }
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
            "authoredOn": when,
            "requester": {"reference": prescriber.reference, "display": prescriber.name},
            "reasonReference": [{"reference": reason}],
            "dosageInstruction": [dosage],
        }
        if spec.course_days is not None:
            resource["dispenseRequest"] = {
                "expectedSupplyDuration": {
                    "value": spec.course_days,
                    "unit": "days",
                    "system": UCUM,
                    "code": "d",
                }
            }
        self._add(resource)
        return resource

    def _immunization(self, key: str, encounter: str, when: str, site: Facility) -> None:
        spec = VACCINES[key]
        rng = self.rng
        self._add(
            {
                "resourceType": "Immunization",
                "meta": synthetic_meta(),
                "status": "completed",
                "vaccineCode": concept(CVX, spec.code, spec.display, spec.text_fr),
                "patient": {"reference": self.subject},
                "encounter": {"reference": encounter},
                "occurrenceDateTime": when,
                "primarySource": True,
                "lotNumber": f"{rng.choice(_LOT_LETTERS)}{rng.randrange(10000, 99999)}",
                "performer": [{"actor": {"reference": site.reference, "display": site.name}}],
            }
        )

    def _panels(self, encounter: str, when: str, panels: tuple[str, ...] | list[str]) -> None:
        if not panels:
            return
        day = date.fromisoformat(when[:10])
        active = {item.spec.key for item in self.chronic if item.active_on(day)}
        issued = _later(when, 6)
        lab = self.lab
        performer = {"reference": lab.reference, "display": lab.name}
        for key in panels:
            panel = PANELS[key]
            results = [
                {"reference": self._observation(LABS[test], active, encounter, when, issued, performer)}
                for test in panel.members
            ]
            self._add(
                {
                    "resourceType": "DiagnosticReport",
                    "meta": synthetic_meta(),
                    "status": "final",
                    "category": [{"coding": [{"system": _V2_0074, "code": "LAB", "display": "Laboratory"}]}],
                    "code": concept(LOINC, panel.code, panel.display, panel.text_fr),
                    "subject": {"reference": self.subject},
                    "encounter": {"reference": encounter},
                    "effectiveDateTime": when,
                    "issued": issued,
                    "performer": [dict(performer)],
                    "result": results,
                }
            )

    def _observation(
        self,
        spec: LabSpec,
        active: set[str],
        encounter: str,
        when: str,
        issued: str,
        performer: dict[str, str],
    ) -> str:
        mean, sd, low, high = spec.female if self.person.sex == "female" else spec.male
        for condition, shift in spec.shifts.items():
            if condition in active:
                mean += shift
        value = max(spec.floor, self.rng.gauss(mean, sd))
        value = round(value, spec.decimals) if spec.decimals else round(value)
        flag = _interpret(spec, value, low, high)
        reference_range: dict[str, Any] = {}
        if low is not None:
            reference_range["low"] = {"value": low, "unit": spec.unit, "system": UCUM, "code": spec.ucum}
        if high is not None:
            reference_range["high"] = {"value": high, "unit": spec.unit, "system": UCUM, "code": spec.ucum}
        return self._add(
            {
                "resourceType": "Observation",
                "meta": synthetic_meta(),
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": _OBSERVATION_CATEGORY,
                                "code": "laboratory",
                                "display": "Laboratory",
                            }
                        ]
                    }
                ],
                "code": {"coding": [{"system": LOINC, "code": spec.code, "display": spec.display}]},
                "subject": {"reference": self.subject},
                "encounter": {"reference": encounter},
                "effectiveDateTime": when,
                "issued": issued,
                "performer": [dict(performer)],
                "valueQuantity": {"value": value, "unit": spec.unit, "system": UCUM, "code": spec.ucum},
                "interpretation": [
                    {
                        "coding": [
                            {
                                "system": _V3_INTERPRETATION,
                                "code": flag,
                                "display": _INTERPRETATION[flag],
                            }
                        ]
                    }
                ],
                "referenceRange": [reference_range],
            }
        )


_CATEGORY_DISPLAY: Final = {
    "problem-list-item": "Problem List Item",
    "encounter-diagnosis": "Encounter Diagnosis",
}
# Routine adult panels at check-ups: (panel, share of visits, minimum age).
_ROUTINE_PANELS: Final = (("cbc", 0.35, 18), ("bmp", 0.3, 18), ("lipids", 0.25, 40),
                          ("a1c", 0.1, 40), ("tsh", 0.08, 18))  # fmt: skip


# --------------------------------------------------------------------------- drawing


def _draw_chronic(rng: random.Random, person: Person, as_of: date) -> list[_Chronic]:
    """Chronic conditions by age and sex, with onset dates and, for some, resolution."""
    age = person.age_on(as_of)
    drawn = []
    for spec in CONDITIONS.values():
        if not spec.chronic or age < spec.min_age or (spec.sex and spec.sex != person.sex):
            continue
        ramp = min(1.0, (age - spec.min_age + 1) / max(1, spec.peak_age - spec.min_age))
        if rng.random() >= spec.rate * ramp:
            continue
        onset_age = spec.min_age + rng.random() * (min(age, spec.max_age) - spec.min_age)
        onset = min(
            person.birth_date + timedelta(days=int(onset_age * 365.25)),
            as_of - timedelta(days=1),
        )
        resolved = None
        if spec.remission_rate and rng.random() < spec.remission_rate:
            ends = onset + timedelta(days=365 + rng.randrange(3 * 365))
            resolved = ends if ends < as_of else None
        drawn.append(_Chronic(spec, onset, resolved))
    return drawn


def _draw_allergies(rng: random.Random, person: Person, as_of: date) -> list[_Allergy]:
    drawn = []
    for spec in ALLERGIES.values():
        if rng.random() < spec.rate:
            lived = max(1, (as_of - person.birth_date).days)
            drawn.append(_Allergy(spec, person.birth_date + timedelta(days=rng.randrange(lived))))
    return drawn


def _pick_acute(rng: random.Random, acute: list[ConditionSpec], age: int, sex: str) -> ConditionSpec | None:
    eligible = [s for s in acute if s.min_age <= age <= s.max_age and s.sex in (None, sex)]
    if not eligible:
        return None
    return rng.choices(eligible, [s.rate for s in eligible])[0]


def _count(rng: random.Random, rate: float) -> int:
    """An integer with mean ``rate``: its whole part, plus one with its fractional chance."""
    whole = int(rate)
    return whole + (rng.random() < rate - whole)


def _interpret(spec: LabSpec, value: float, low: float | None, high: float | None) -> str:
    if spec.critical_low is not None and value <= spec.critical_low:
        return "LL"
    if spec.critical_high is not None and value >= spec.critical_high:
        return "HH"
    if low is not None and value < low:
        return "L"
    if high is not None and value > high:
        return "H"
    return "N"


def encounter_resource(
    subject: str, kind: str, klass: str, start: str, end: str, reason: ConditionSpec | None = None
) -> dict[str, Any]:
    """A finished Encounter: the kind of visit (SNOMED CT, with its French text), the care setting, the period.

    Callers add what depends on their story (reason reference, discharge, ``serviceProvider``).
    """
    code, display = _ENCOUNTER_TYPES[kind]
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "meta": synthetic_meta(),
        "status": "finished",
        "class": {"system": _V3_ACT, "code": klass, "display": _CLASS_DISPLAY[klass]},
        "type": [{"coding": [{"system": SNOMED, "code": code, "display": display}], "text": ENCOUNTER_TEXT_FR[kind]}],
        "subject": {"reference": subject},
        "period": {"start": start, "end": end},
    }
    if reason is not None:
        resource["reasonCode"] = [concept(SNOMED, reason.code, reason.display, reason.text_fr)]
    return resource


def concept(system: str, code: str, display: str, text: str) -> dict[str, Any]:
    """A CodeableConcept: the terminology's coding, and the words a Quebec chart shows."""
    return {"coding": [{"system": system, "code": code, "display": display}], "text": text}


def synthetic_meta() -> dict[str, Any]:
    """The tag that marks a resource as synthetic test data (HTEST)."""
    return {"tag": [dict(HTEST_TAG)]}


def _urn(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"urn:uuid:{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT: Final = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --------------------------------------------------------------------------- time


def _stamp(moment: datetime) -> str:
    """ISO date-time with the offset Quebec had then (EST −05:00, EDT −04:00)."""
    dst_start, dst_end = _dst(moment.year)
    offset = "-04:00" if dst_start <= moment < dst_end else "-05:00"
    return moment.isoformat(timespec="seconds") + offset


def _later(stamp: str, hours: int) -> str:
    """``stamp`` plus some hours (offset recomputed across a DST change)."""
    moment = datetime.fromisoformat(stamp[:19]) + timedelta(hours=hours, minutes=20 if hours else 10)
    return _stamp(moment)


@cache
def _dst(year: int) -> tuple[datetime, datetime]:
    """Daylight time: second Sunday of March to first Sunday of November, 02:00 (the
    rule since 2007, applied to every year for simplicity)."""
    march = date(year, 3, 1)
    november = date(year, 11, 1)
    start = march + timedelta(days=(6 - march.weekday()) % 7 + 7)
    end = november + timedelta(days=(6 - november.weekday()) % 7)
    return datetime(start.year, start.month, start.day, 2), datetime(end.year, end.month, end.day, 2)
