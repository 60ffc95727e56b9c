"""Reference search: Type/id, bare id, absolute URLs, :identifier, :[type], :missing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import BASE, create, found, observation, put

FOREIGN = "http://other-region.example.org/fhir"


def test_reference_forms(client: TestClient) -> None:
    put(client, {"resourceType": "Patient", "id": "123"})
    put(client, {"resourceType": "Group", "id": "123", "type": "person", "actual": True})
    relative = create(client, observation(subject={"reference": "Patient/123"}))
    absolute = create(client, observation(subject={"reference": f"{BASE}/Patient/123"}))
    foreign = create(client, observation(subject={"reference": f"{FOREIGN}/Patient/123"}))
    group = create(client, observation(subject={"reference": "Group/123"}))
    other = create(client, observation(subject={"reference": "Patient/456"}))
    create(client, observation())

    local = {relative, absolute}
    assert found(client, "Observation", {"subject": "Patient/123"}) == local
    assert found(client, "Observation", {"subject": f"{BASE}/Patient/123"}) == local
    assert found(client, "Observation", {"subject": f"{FOREIGN}/Patient/123"}) == {foreign}
    assert found(client, "Observation", {"subject": "123"}) == local | {group}
    assert found(client, "Observation", {"subject:Patient": "123"}) == local
    assert found(client, "Observation", {"subject:Group": "123"}) == {group}
    assert found(client, "Observation", {"patient": "123"}) == local
    assert found(client, "Observation", {"subject": "Patient/123,Patient/456"}) == local | {other}
    assert found(client, "Observation", {"subject:missing": "false"}) == local | {foreign, group, other}


def test_reference_missing_true_finds_resources_without_a_reference(client: TestClient) -> None:
    referring = create(client, observation(subject={"reference": "Patient/1"}))
    alone = create(client, observation())
    assert found(client, "Observation", {"subject:missing": "true"}) == {alone}
    assert found(client, "Observation", {"subject:missing": "false"}) == {referring}


def test_reference_identifier_modifier_matches_reference_identifier(client: TestClient) -> None:
    nam = "https://www.ramq.gouv.qc.ca/nam"
    by_identifier = create(
        client, observation(subject={"identifier": {"system": nam, "value": "BELM84531219"}, "display": "M. Bélanger"})
    )
    create(client, observation(subject={"reference": "Patient/BELM84531219"}))
    assert found(client, "Observation", {"subject:identifier": f"{nam}|BELM84531219"}) == {by_identifier}
    assert found(client, "Observation", {"subject:identifier": "BELM84531219"}) == {by_identifier}
    assert found(client, "Observation", {"subject:identifier": f"{nam}|OTHER"}) == set()


def test_reference_type_modifier_must_be_a_target_of_the_parameter(client: TestClient) -> None:
    response = client.get("/fhir/Observation?subject:Medication=1", headers={"Prefer": "handling=strict"})
    assert response.status_code == 400
