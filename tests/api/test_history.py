"""History at instance, type and system level, with _since, _count and stable paging."""

from __future__ import annotations

from fastapi.testclient import TestClient

FHIR = {"Content-Type": "application/fhir+json"}


def make_patient(client: TestClient, family: str) -> dict:
    body = {"resourceType": "Patient", "name": [{"family": family}]}
    return client.post("/fhir/Patient", json=body, headers=FHIR).json()


def follow(client: TestClient, url: str) -> dict:
    return client.get(url.replace("http://testserver", "")).json()


def test_type_history_pages_newest_first_and_pages_stay_stable_under_writes(client: TestClient) -> None:
    created = [make_patient(client, f"Famille{i}") for i in range(5)]
    first = client.get("/fhir/Patient/_history", params={"_count": "2"}).json()
    assert first["total"] == 5
    ids = [e["resource"]["id"] for e in first["entry"]]
    assert ids == [created[4]["id"], created[3]["id"]]
    make_patient(client, "Nouvelle")  # written between two page requests
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = follow(client, next_url)
    assert [e["resource"]["id"] for e in second["entry"]] == [created[2]["id"], created[1]["id"]]
    third = follow(client, next(link["url"] for link in second["link"] if link["relation"] == "next"))
    assert [e["resource"]["id"] for e in third["entry"]] == [created[0]["id"]]
    assert not any(link["relation"] == "next" for link in third["link"])


def test_history_since_returns_only_later_versions(client: TestClient) -> None:
    old = make_patient(client, "Ancien")
    cutoff = old["meta"]["lastUpdated"]
    newer = make_patient(client, "Recent")
    history = client.get("/fhir/Patient/_history", params={"_since": cutoff}).json()
    ids = {e["resource"]["id"] for e in history["entry"]}
    assert ids == {old["id"], newer["id"]}  # _since is inclusive of the instant given
    later = client.get("/fhir/Patient/_history", params={"_since": newer["meta"]["lastUpdated"]}).json()
    assert {e["resource"]["id"] for e in later["entry"]} == {newer["id"]}


def test_system_history_spans_types(client: TestClient) -> None:
    make_patient(client, "Roy")
    client.post("/fhir/Organization", json={"resourceType": "Organization", "name": "CLSC"}, headers=FHIR)
    history = client.get("/fhir/_history").json()
    assert {e["resource"]["resourceType"] for e in history["entry"]} == {"Patient", "Organization"}
    assert [e["request"]["method"] for e in history["entry"]] == ["POST", "POST"]


def test_history_with_bad_since_is_a_400(client: TestClient) -> None:
    response = client.get("/fhir/Patient/_history", params={"_since": "last tuesday"})
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["_since"]


def test_instance_history_of_unknown_resource_is_404(client: TestClient) -> None:
    assert client.get("/fhir/Patient/nope/_history").status_code == 404
