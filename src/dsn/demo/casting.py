"""Which generated patients play which part: portal accounts, consent directives, duplicates.

Chosen from the generated population in index order by what each part needs, so the
choice is reproducible for a seed and each part is shown at its best: portal patients
are adults with records in both pilot regions; the patient who restricts mental-health
information has some; the patient who restricts an organization has records in Mauricie,
where that organization is. Nobody plays two parts (a duplicate of a patient who refused
sharing would mix two demonstrations). Duplicates are drawn last, from whoever is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dsn.demo.population import DemoPatient
from dsn.demo.regions import MAURICIE_REGION, NORD_REGION

__all__ = ["MIN_PATIENTS", "Cast", "cast"]

MIN_PATIENTS = 10
"""Enough for every part (5 single parts, then duplicate candidates)."""
_ADULT = 18


@dataclass(frozen=True, slots=True)
class Cast:
    portal: tuple[DemoPatient, ...]  # patient.demo2, patient.demo3
    mental_health_restriction: DemoPatient  # patient.demo4, PSY hidden from everyone
    refusal: DemoPatient
    organization_restriction: DemoPatient
    duplicate_candidates: tuple[DemoPatient, ...]  # in order of preference


def cast(patients: Sequence[DemoPatient]) -> Cast:
    """Assign the parts; ``ValueError`` if there are fewer than :data:`MIN_PATIENTS` people."""
    if len(patients) < MIN_PATIENTS:
        raise ValueError(f"the demo needs at least {MIN_PATIENTS} generated patients, not {len(patients)}")
    taken: set[str] = set()

    def pick(*preferences: Callable[[DemoPatient], bool]) -> DemoPatient:
        """The first free patient meeting the first preference that anyone meets."""
        for wanted in (*preferences, lambda _p: True):
            for patient in patients:
                if patient.patient_id not in taken and wanted(patient):
                    taken.add(patient.patient_id)
                    return patient
        raise ValueError("not enough patients for every part")

    def adult(p: DemoPatient) -> bool:
        return p.age >= _ADULT

    def both_regions(p: DemoPatient) -> bool:
        return adult(p) and {MAURICIE_REGION, NORD_REGION} <= p.regions

    portal = (
        pick(lambda p: both_regions(p) and not p.labels, both_regions, adult),
        pick(lambda p: both_regions(p) and not p.labels, both_regions, adult),
    )
    mental_health = pick(lambda p: adult(p) and "PSY" in p.labels, adult)
    refusal = pick(adult)
    organization = pick(lambda p: adult(p) and MAURICIE_REGION in p.regions, adult)
    rest = [p for p in patients if p.patient_id not in taken]
    rest.sort(key=lambda p: not adult(p))  # adults first: their records are the richer
    return Cast(portal, mental_health, refusal, organization, tuple(rest))
