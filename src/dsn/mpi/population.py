"""A synthetic patient index with known truth: people, their duplicate records, and look-alikes.

What the benchmark and the tests measure the matcher on.  From a seed:

* ``people`` distinct Quebecers (:mod:`dsn.synthetic`), each a Patient with an id;
* for a fraction of them a second record, and for some of those a third, made by
  :func:`dsn.mpi.corruption.corrupt` — these are the true duplicates;
* look-alikes that must *not* match: twins (same family name, birth date, address and
  phone; another given name and NAM) and household members (same address and phone).

Every record knows its ``person``: two records are the same patient exactly when their
``person`` is equal.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from dsn.mpi.corruption import corrupt
from dsn.synthetic.facilities import Facility, regional_authorities
from dsn.synthetic.names import pick_name
from dsn.synthetic.people import IdentityRegistry, Person, generate_person, patient_resource

__all__ = ["Record", "generate_population", "true_pairs"]


@dataclass(frozen=True, slots=True)
class Record:
    """One Patient of the index: its resource (with ``id``), whose it is, and how it was corrupted."""

    resource: dict[str, Any]
    person: int
    copy: int = 0
    corruptions: tuple[str, ...] = ()
    lookalike: str | None = None

    @property
    def id(self) -> str:
        return self.resource["id"]


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _twin(rng: random.Random, person: Person, registry: IdentityRegistry) -> Person | None:
    """A sibling born the same day, living at the same address, with a name of their own."""
    sex = person.sex if rng.random() < 0.6 else ("male" if person.sex == "female" else "female")
    for _ in range(5):
        name = pick_name(rng, sex=sex, birth_year=person.birth_date.year, heritage="fr")
        if name.given[0] not in person.given:
            break
    else:
        return None
    nam = registry.assign_nam(person.family, name.given[0], person.birth_date, sex)
    if nam is None:
        return None
    return dataclasses.replace(
        person, id=_uuid(rng), given=name.given, usual_given=name.usual, sex=sex, nam=nam, mrns={}, facilities=()
    )


def generate_population(
    seed: int | str,
    people: int,
    *,
    duplicate_rate: float = 0.2,
    third_rate: float = 0.3,
    twin_rate: float = 0.005,
    household_rate: float = 0.08,
    regions: tuple[Facility, ...] | None = None,
) -> Iterator[Record]:
    """The records of the index, originals and their duplicates interleaved as they come."""
    regions = regions or regional_authorities()
    registry = IdentityRegistry()
    previous: Person | None = None
    donors: list[dict[str, Any]] = []
    index = 0
    for number in range(people):
        rng = random.Random(f"dsn-mpi:{seed}:{number}")
        person = generate_person(rng, region=rng.choice(regions), registry=registry, as_of=date(2025, 6, 30))
        lookalike = None
        if previous is not None and rng.random() < household_rate:
            person = dataclasses.replace(person, address=previous.address, phone=previous.phone)
            lookalike = "household"
        resource = {**patient_resource(person), "id": _uuid(rng)}
        yield Record(resource, index, lookalike=lookalike)
        original = resource
        if donors and rng.random() < duplicate_rate:
            copies = 2 if rng.random() < third_rate else 1
            for copy_number in range(1, copies + 1):
                donor = donors[rng.randrange(len(donors))]
                record, applied = corrupt(original, rng, donor=donor)
                yield Record({**record, "id": _uuid(rng)}, index, copy_number, tuple(applied))
        index += 1
        if rng.random() < twin_rate:
            twin = _twin(rng, person, registry)
            if twin is not None:
                yield Record({**patient_resource(twin), "id": _uuid(rng)}, index, lookalike="twin")
                index += 1
        donors.append(resource)
        if len(donors) > 1000:
            donors.pop(rng.randrange(len(donors)))
        previous = person


def true_pairs(records: list[Record]) -> set[tuple[str, str]]:
    """Every pair of records of the same person, as (smaller id, larger id)."""
    by_person: dict[int, list[str]] = {}
    for record in records:
        by_person.setdefault(record.person, []).append(record.id)
    pairs: set[tuple[str, str]] = set()
    for ids in by_person.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                pairs.add((min(a, b), max(a, b)))
    return pairs
