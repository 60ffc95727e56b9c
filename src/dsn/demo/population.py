"""The demo's synthetic Quebecers: living in the two pilot territories, treated in both.

:func:`dsn.synthetic.bundles.iter_people` gives people charts in their home territory
(and, now and then, anywhere in Quebec). The demo needs what the pilot is about: one
record per person across regions. So each person lives in one of the two pilot CIUSSSs,
a chart outside the pilot is moved to the other pilot CIUSSS (only live regions write to
DSN), and a share of people (:data:`CROSS_REGION_RATE`) also get a chart in the other
pilot CIUSSS — they moved, study or work there, were seen at its emergency room. The
clinical generator then places some of their visits there.

Reproducible per person, like the synthetic package: person ``i`` of seed ``s`` draws
from ``random.Random("dsn-demo:s:i")``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final

from dsn.demo.charts import ChartEntry, attribute
from dsn.demo.regions import MAURICIE, NORD, region_code
from dsn.fhir.sensitivity import sensitivity_of
from dsn.synthetic.bundles import patient_bundle
from dsn.synthetic.facilities import Facility, sites
from dsn.synthetic.people import REFERENCE_DATE, IdentityRegistry, Person, generate_person

__all__ = ["CROSS_REGION_RATE", "PILOTS", "DemoPatient", "demo_patients"]

CROSS_REGION_RATE: Final = 0.55
"""Share of people given a chart in the other pilot CIUSSS (most then have records there)."""
PILOTS: Final = (MAURICIE, NORD)


@dataclass(frozen=True, slots=True)
class DemoPatient:
    """A generated person and what the demo picks people by (their chart is written, then dropped)."""

    index: int
    person: Person
    patient_id: str
    regions: frozenset[str]
    labels: frozenset[str]

    @property
    def display(self) -> str:
        return f"{self.person.usual_given or self.person.given[0]} {self.person.family}"

    @property
    def age(self) -> int:
        return self.person.age_on(REFERENCE_DATE)

    @property
    def home_region(self) -> str:
        return region_code(self.person.region)


def demo_patients(
    seed: int, count: int, *, registry: IdentityRegistry | None = None
) -> Iterator[tuple[DemoPatient, list[ChartEntry]]]:
    """``count`` people of the two pilot territories with their charts, generated lazily.

    Pass a ``registry`` holding identifiers already issued (the showcase patient's NAM)
    so that nobody generated here gets them.
    """
    registry = registry or IdentityRegistry()
    for index in range(count):
        rng = random.Random(f"dsn-demo:{seed}:{index}")
        home = PILOTS[rng.randrange(len(PILOTS))]
        person = _pilot_charts(generate_person(rng, region=home, registry=registry), rng, registry)
        bundle = patient_bundle(person, rng)
        chart = attribute([(entry["fullUrl"], entry["resource"]) for entry in bundle["entry"]], person.facilities[0])
        patient = DemoPatient(
            index=index,
            person=person,
            patient_id=chart[0].reference.partition("/")[2],
            regions=frozenset(region_code(entry.facility) for entry in chart),
            labels=frozenset(label for entry in chart for label in sensitivity_of(entry.resource)),
        )
        yield patient, chart


def _pilot_charts(person: Person, rng: random.Random, registry: IdentityRegistry) -> Person:
    """Keep the person's charts in the pilot, adding one in the other pilot CIUSSS for some.

    The added chart goes last: the clinical generator sends a share of ambulatory visits
    to a person's last chart when it lies outside their home territory.
    """
    pilot_ids = {p.id for p in PILOTS}
    kept = [f for f in person.facilities if f.authority_id in pilot_ids]
    moved = len(kept) < len(person.facilities)
    if not moved and rng.random() >= CROSS_REGION_RATE:
        return person
    other = next(p for p in PILOTS if p.id != person.region.id)
    kept = [f for f in kept if f.authority_id != other.id]
    added: Facility = rng.choice(sites(other))
    facilities = (*kept, added)
    mrns = {f.id: person.mrns[f.id] for f in kept}
    mrns[added.id] = registry.assign_mrn(added.id)
    return replace(person, facilities=facilities, mrns=mrns)
