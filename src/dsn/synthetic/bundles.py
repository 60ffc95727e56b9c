"""Synthetic records packaged for loading: FHIR transaction Bundles, as Synthea writes them.

* :func:`facilities_bundle` — the organizations, ``PUT`` under their DSN ids; load it
  first, since patient records refer to ``Organization/<id>``;
* :func:`patient_bundle` — one person: the Patient first, then their history, every entry
  a ``POST`` with a ``urn:uuid:`` fullUrl the server resolves inside the transaction;
* :func:`iter_people` / :func:`iter_patient_bundles` — a population from a seed.

A population is reproducible *per person*: person ``i`` of seed ``s`` draws from its own
``random.Random("dsn-synthetic:s:i")``, so the same seed gives the same bundles in any
process.  One :class:`~dsn.synthetic.people.IdentityRegistry` per iteration keeps NAMs and
MRNs unique across it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from dsn.synthetic.clinical import DEFAULT_HISTORY_YEARS, clinical_resources
from dsn.synthetic.facilities import Facility, authority, organization_resources, pilot_authorities
from dsn.synthetic.people import (
    REFERENCE_DATE,
    IdentityRegistry,
    Person,
    generate_person,
    patient_resource,
)

__all__ = ["facilities_bundle", "iter_patient_bundles", "iter_people", "patient_bundle"]


def facilities_bundle() -> dict[str, Any]:
    """A transaction creating or updating every synthetic organization under its own id."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"Organization/{resource['id']}",
                "resource": resource,
                "request": {"method": "PUT", "url": f"Organization/{resource['id']}"},
            }
            for resource in organization_resources()
        ],
    }


def patient_bundle(
    person: Person,
    rng: random.Random,
    *,
    resources_per_patient: int | None = None,
    as_of: date = REFERENCE_DATE,
    history_years: int = DEFAULT_HISTORY_YEARS,
) -> dict[str, Any]:
    """A transaction Bundle with the person's Patient and clinical history.

    Encounters happen at the facilities where the person has a chart (``person.
    facilities``, whose MRNs the Patient carries).  ``resources_per_patient`` fixes the
    number of entries, the Patient included (at least 1); by default the history has its
    natural size, a few dozen resources for most people and more for the chronically ill.
    """
    target = None
    if resources_per_patient is not None:
        if resources_per_patient < 1:
            raise ValueError("resources_per_patient counts the Patient: it must be at least 1")
        target = resources_per_patient - 1
    entries = [(person.full_url, patient_resource(person))]
    entries += clinical_resources(person, rng, as_of=as_of, history_years=history_years, target=target)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": url,
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for url, resource in entries
        ],
    }


def iter_people(
    seed: int | str,
    count: int,
    *,
    regions: Sequence[Facility | str] | None = None,
    as_of: date = REFERENCE_DATE,
) -> Iterator[tuple[Person, random.Random]]:
    """``count`` people spread evenly at random over ``regions`` (default: the pilots).

    Each comes with its own generator, positioned after drawing the person, from which
    the rest of their record is to be drawn.  ``regions`` holds CISSS/CIUSSS or their ids.
    """
    chosen = [authority(r) if isinstance(r, str) else r for r in regions or pilot_authorities()]
    if not chosen:
        raise ValueError("regions must name at least one CISSS/CIUSSS")
    registry = IdentityRegistry()
    for index in range(count):
        rng = random.Random(f"dsn-synthetic:{seed}:{index}")
        region = chosen[rng.randrange(len(chosen))]
        yield generate_person(rng, region=region, registry=registry, as_of=as_of), rng


def iter_patient_bundles(
    seed: int | str,
    count: int,
    *,
    regions: Sequence[Facility | str] | None = None,
    target_resources_per_patient: int | None = None,
    as_of: date = REFERENCE_DATE,
    history_years: int = DEFAULT_HISTORY_YEARS,
) -> Iterator[dict[str, Any]]:
    """One transaction Bundle per person of :func:`iter_people`, generated lazily.

    For benchmarks: ``target_resources_per_patient`` makes every bundle exactly that size,
    so ``count × target`` resources are produced.
    """
    for person, rng in iter_people(seed, count, regions=regions, as_of=as_of):
        yield patient_bundle(
            person,
            rng,
            resources_per_patient=target_resources_per_patient,
            as_of=as_of,
            history_years=history_years,
        )
