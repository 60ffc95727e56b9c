"""Transaction Bundles of synthetic records, as a loader or benchmark consumes them."""

from __future__ import annotations

import itertools
import random

import orjson
import pytest

from dsn.fhir.validation import validate_resource
from dsn.synthetic.bundles import (
    facilities_bundle,
    iter_patient_bundles,
    iter_people,
    patient_bundle,
)
from dsn.synthetic.facilities import authority, facility_directory


def test_the_same_seed_gives_byte_identical_bundles() -> None:
    first = [orjson.dumps(b) for b in iter_patient_bundles(42, 30)]
    again = [orjson.dumps(b) for b in iter_patient_bundles(42, 30)]
    assert first == again


def test_a_person_does_not_depend_on_how_many_follow() -> None:
    few = list(iter_patient_bundles(42, 3))
    many = list(itertools.islice(iter_patient_bundles(42, 100), 3))
    assert few == many


def test_different_seeds_give_different_bundles() -> None:
    assert list(iter_patient_bundles(1, 5)) != list(iter_patient_bundles(2, 5))


def test_a_patient_bundle_is_a_valid_transaction_with_the_patient_first() -> None:
    bundle = next(iter_patient_bundles("shape", 1))
    assert validate_resource(bundle) == []
    assert bundle["type"] == "transaction"
    entries = bundle["entry"]
    assert entries[0]["resource"]["resourceType"] == "Patient"
    assert len({entry["fullUrl"] for entry in entries}) == len(entries)
    for entry in entries:
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert entry["request"] == {"method": "POST", "url": entry["resource"]["resourceType"]}
        assert "id" not in entry["resource"]


@pytest.mark.parametrize("size", [1, 2, 100])
def test_resources_per_patient_counts_the_patient(size: int) -> None:
    for bundle in iter_patient_bundles("size", 10, target_resources_per_patient=size):
        assert len(bundle["entry"]) == size


def test_resources_per_patient_must_leave_room_for_the_patient() -> None:
    person, rng = next(iter_people(1, 1))
    with pytest.raises(ValueError, match="at least 1"):
        patient_bundle(person, rng, resources_per_patient=0)


def test_regions_can_be_named_by_id_or_given_as_facilities() -> None:
    laval = authority("cisss-laval")
    by_id = [p.region for p, _ in iter_people(5, 20, regions=["cisss-laval"])]
    by_facility = [p.region for p, _ in iter_people(5, 20, regions=[laval])]
    assert by_id == by_facility == [laval] * 20


def test_by_default_people_live_in_the_two_pilot_regions() -> None:
    regions = {p.region.id for p, _ in iter_people(9, 200)}
    assert regions == {"ciusss-nord-de-l-ile-de-montreal", "ciusss-mauricie-et-du-centre-du-quebec"}


def test_the_facilities_bundle_puts_every_organization_under_its_id() -> None:
    bundle = facilities_bundle()
    assert validate_resource(bundle) == []
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert ids == [f.id for f in facility_directory()]
    for entry in bundle["entry"]:
        assert entry["request"] == {"method": "PUT", "url": f"Organization/{entry['resource']['id']}"}


def test_an_explicit_generator_makes_patient_bundle_reproducible() -> None:
    person, _ = next(iter_people(3, 1))
    assert patient_bundle(person, random.Random(8)) == patient_bundle(person, random.Random(8))
