"""Chained parameters (several levels, typed or not) and reverse chaining with _has."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.search.support import create, delete, found, observation, put

LOINC = "http://loinc.org"


@pytest.fixture
def world(client: TestClient) -> dict[str, str]:
    put(client, {"resourceType": "Organization", "id": "nord", "name": "CIUSSS du Nord-de-l'Île-de-Montréal"})
    put(client, {"resourceType": "Organization", "id": "mcq", "name": "CIUSSS de la Mauricie-et-du-Centre-du-Québec"})
    put(client, {"resourceType": "Practitioner", "id": "dre-roy", "name": [{"family": "Roy", "given": ["Hélène"]}]})
    put(
        client,
        {
            "resourceType": "Patient",
            "id": "belanger",
            "name": [{"family": "Bélanger"}],
            "birthDate": "1984-03-12",
            "identifier": [{"system": "urn:nam", "value": "BELM8453"}],
            "managingOrganization": {"reference": "Organization/nord"},
            "generalPractitioner": [{"reference": "Practitioner/dre-roy"}],
        },
    )
    put(
        client,
        {
            "resourceType": "Patient",
            "id": "cote",
            "name": [{"family": "Côté"}],
            "managingOrganization": {"reference": "Organization/mcq"},
        },
    )
    put(client, {"resourceType": "Location", "id": "aile", "name": "Pavillon Bélanger"})
    code = {"coding": [{"system": LOINC, "code": "2345-7"}]}
    return {
        "obs-belanger": create(client, observation(code=code, subject={"reference": "Patient/belanger"})),
        "obs-cote": create(client, observation(subject={"reference": "Patient/cote"})),
        "obs-location": create(client, observation(subject={"reference": "Location/aile"})),
        "obs-nobody": create(client, observation(code=code)),
    }


def test_typed_chain(client: TestClient, world: dict[str, str]) -> None:
    assert found(client, "Observation", {"subject:Patient.name": "belanger"}) == {world["obs-belanger"]}
    assert found(client, "Observation", {"subject:Patient.birthdate": "1984"}) == {world["obs-belanger"]}
    assert found(client, "Observation", {"subject:Patient.identifier": "urn:nam|BELM8453"}) == {world["obs-belanger"]}
    assert found(client, "Observation", {"patient.name": "cote,belanger"}) == {world["obs-belanger"], world["obs-cote"]}


def test_untyped_chain_searches_every_target_type_that_has_the_parameter(
    client: TestClient, world: dict[str, str]
) -> None:
    assert found(client, "Observation", {"subject.name": "belanger"}) == {world["obs-belanger"]}
    assert found(client, "Observation", {"subject.name": "pavillon"}) == {world["obs-location"]}


def test_chain_of_several_levels(client: TestClient, world: dict[str, str]) -> None:
    assert found(client, "Observation", {"subject:Patient.organization.name": "ciusss du nord"}) == {
        world["obs-belanger"]
    }
    assert found(client, "Observation", {"subject:Patient.organization.name": "ciusss"}) == {
        world["obs-belanger"],
        world["obs-cote"],
    }
    assert found(client, "Observation", {"patient.general-practitioner": "Practitioner/dre-roy"}) == {
        world["obs-belanger"]
    }
    assert found(client, "Observation", {"patient.general-practitioner:Practitioner.name": "helene"}) == {
        world["obs-belanger"]
    }
    assert found(client, "Observation", {"subject:Patient.organization._id": "mcq"}) == {world["obs-cote"]}


def test_chains_are_and_ed_with_other_criteria(client: TestClient, world: dict[str, str]) -> None:
    query = [("patient.name", "belanger"), ("code", f"{LOINC}|2345-7")]
    assert found(client, "Observation", query) == {world["obs-belanger"]}
    query = [("patient.name", "cote"), ("code", f"{LOINC}|2345-7")]
    assert found(client, "Observation", query) == set()
    query = [("patient.name", "belanger"), ("patient.organization.name", "ciusss de la")]
    assert found(client, "Observation", query) == set()


def test_chain_ignores_deleted_targets(client: TestClient, world: dict[str, str]) -> None:
    delete(client, "Patient/cote")
    assert found(client, "Observation", {"patient.name": "cote"}) == set()


def test_has_finds_resources_referred_to_by_matches(client: TestClient, world: dict[str, str]) -> None:
    assert found(client, "Patient", {"_has:Observation:patient:code": "2345-7"}) == {"belanger"}
    assert found(client, "Patient", {"_has:Observation:subject:code": f"{LOINC}|2345-7"}) == {"belanger"}
    assert found(client, "Patient", {"_has:Observation:subject:_id": world["obs-cote"]}) == {"cote"}
    assert found(client, "Location", {"_has:Observation:subject:status": "final"}) == {"aile"}
    assert found(client, "Patient", {"_has:Observation:subject:code": "9999-9"}) == set()


def test_has_criteria_are_and_ed(client: TestClient, world: dict[str, str]) -> None:
    both = [("_has:Observation:patient:code", "2345-7"), ("_has:Observation:patient:status", "final")]
    assert found(client, "Patient", both) == {"belanger"}
    conflicting = [("_has:Observation:patient:code", "2345-7"), ("name", "cote")]
    assert found(client, "Patient", conflicting) == set()


def test_nested_has(client: TestClient, world: dict[str, str]) -> None:
    nested = {"_has:Patient:organization:_has:Observation:patient:code": "2345-7"}
    assert found(client, "Organization", nested) == {"nord"}
    assert found(client, "Organization", {"_has:Patient:organization:name": "cote"}) == {"mcq"}


def test_has_with_a_chain_inside(client: TestClient, world: dict[str, str]) -> None:
    query = {"_has:Observation:patient:patient.organization.name": "ciusss de la"}
    assert found(client, "Patient", query) == {"cote"}
