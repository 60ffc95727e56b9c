"""_include and _revinclude: targets, :iterate, '*', search.mode=include, no duplicates."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.search.support import create, delete, entries, ids, observation, put, search


@pytest.fixture
def world(client: TestClient) -> dict[str, str]:
    put(client, {"resourceType": "Organization", "id": "nord", "name": "CIUSSS du Nord"})
    put(client, {"resourceType": "Practitioner", "id": "roy", "name": [{"family": "Roy"}]})
    put(
        client,
        {
            "resourceType": "Patient",
            "id": "p1",
            "managingOrganization": {"reference": "Organization/nord"},
            "generalPractitioner": [{"reference": "Practitioner/roy"}],
        },
    )
    put(client, {"resourceType": "Patient", "id": "p2"})
    return {
        "o1": create(
            client, observation(subject={"reference": "Patient/p1"}, performer=[{"reference": "Practitioner/roy"}])
        ),
        "o2": create(client, observation(subject={"reference": "Patient/p1"})),
        "o3": create(client, observation(subject={"reference": "Patient/p2"})),
    }


def _included(bundle: dict) -> list[str]:
    return [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries(bundle, "include")]


def test_include_adds_referenced_resources_once_in_include_mode(client: TestClient, world: dict[str, str]) -> None:
    bundle = search(client, "Observation", {"_include": "Observation:subject"})
    assert set(ids(bundle)) == set(world.values())
    assert sorted(_included(bundle)) == ["Patient/p1", "Patient/p2"]
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))


def test_include_with_target_type(client: TestClient, world: dict[str, str]) -> None:
    bundle = search(client, "Observation", [("_include", "Observation:performer:Practitioner")])
    assert _included(bundle) == ["Practitioner/roy"]
    bundle = search(client, "Observation", [("_include", "Observation:performer:Organization")])
    assert _included(bundle) == []


def test_include_star_follows_every_reference(client: TestClient, world: dict[str, str]) -> None:
    bundle = search(client, "Observation", {"_id": world["o1"], "_include": "*"})
    assert sorted(_included(bundle)) == ["Patient/p1", "Practitioner/roy"]
    bundle = search(client, "Observation", {"_id": world["o1"], "_include": "Observation:*"})
    assert sorted(_included(bundle)) == ["Patient/p1", "Practitioner/roy"]


def test_include_iterate_follows_included_resources(client: TestClient, world: dict[str, str]) -> None:
    params = [
        ("_id", world["o2"]),
        ("_include", "Observation:subject"),
        ("_include:iterate", "Patient:organization"),
    ]
    assert sorted(_included(search(client, "Observation", params))) == ["Organization/nord", "Patient/p1"]
    without_iterate = [("_id", world["o2"]), ("_include", "Observation:subject"), ("_include", "Patient:organization")]
    assert _included(search(client, "Observation", without_iterate)) == ["Patient/p1"]


def test_revinclude_adds_resources_that_refer_to_matches(client: TestClient, world: dict[str, str]) -> None:
    bundle = search(client, "Patient", {"_id": "p1", "_revinclude": "Observation:subject"})
    assert ids(bundle) == ["p1"]
    assert sorted(_included(bundle)) == sorted(f"Observation/{world[k]}" for k in ("o1", "o2"))


def test_revinclude_iterate(client: TestClient, world: dict[str, str]) -> None:
    params = [
        ("_id", "nord"),
        ("_revinclude", "Patient:organization"),
        ("_revinclude:iterate", "Observation:subject"),
    ]
    bundle = search(client, "Organization", params)
    assert sorted(_included(bundle)) == sorted(["Patient/p1", *(f"Observation/{world[k]}" for k in ("o1", "o2"))])


def test_include_and_revinclude_together_without_duplicates(client: TestClient, world: dict[str, str]) -> None:
    params = [("_include", "Observation:subject"), ("_revinclude", "Observation:subject"), ("_id", world["o1"])]
    bundle = search(client, "Observation", params)
    assert ids(bundle) == [world["o1"]]
    assert _included(bundle) == ["Patient/p1"]
    params = [("_id", "p1"), ("_revinclude", "Observation:subject"), ("_include:iterate", "Observation:subject")]
    bundle = search(client, "Patient", params)
    assert ids(bundle) == ["p1"]
    assert sorted(_included(bundle)) == sorted(f"Observation/{world[k]}" for k in ("o1", "o2"))


def test_included_resources_are_not_deleted_ones(client: TestClient, world: dict[str, str]) -> None:
    delete(client, "Patient/p2")
    bundle = search(client, "Observation", {"_include": "Observation:subject"})
    assert _included(bundle) == ["Patient/p1"]


def test_include_does_not_follow_references_to_another_server(client: TestClient, world: dict[str, str]) -> None:
    foreign = create(client, observation(subject={"reference": "http://elsewhere.example.org/fhir/Patient/p2"}))
    bundle = search(client, "Observation", {"_id": foreign, "_include": "Observation:subject"})
    assert _included(bundle) == []
