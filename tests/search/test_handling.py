"""Strict and lenient handling, the self link, POST _search, compartments, deletes and updates."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.search.support import (
    BASE,
    STRICT,
    create,
    delete,
    entries,
    found,
    get,
    ids,
    link,
    observation,
    patient,
    put,
    search,
)


@pytest.mark.parametrize(
    "params",
    [
        {"shoe-size": "42"},
        {"birthdate": "not-a-date"},
        {"name:fuzzy": "x"},
        {"gender:missing": "perhaps"},
        {"_has:Observation:patient:nope": "x"},
        {"general-practitioner.nope": "x"},
        {"_include": "Patient:nope"},
        {"_text": "diabetes"},
        {"_content": "diabetes"},
        {"_filter": "name eq x"},
    ],
)
def test_strict_handling_rejects_what_it_cannot_apply(client: TestClient, params: dict[str, str]) -> None:
    response = get(client, "Patient", params, **STRICT)
    assert response.status_code == 400, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] in ("error", "fatal")


def test_lenient_handling_ignores_and_reports_unknown_parameters(client: TestClient) -> None:
    female = create(client, patient(gender="female"))
    create(client, patient(gender="male"))
    bundle = search(client, "Patient", [("gender", "female"), ("shoe-size", "42"), ("birthdate", "soon")])
    assert ids(bundle) == [female]
    [outcome] = entries(bundle, "outcome")
    text = " ".join(issue.get("diagnostics", "") for issue in outcome["resource"]["issue"])
    assert "shoe-size" in text and "birthdate" in text
    self_params = parse_qsl(urlsplit(link(bundle, "self")).query)
    assert self_params == [("gender", "female")]


def test_self_link_names_the_search(client: TestClient) -> None:
    bundle = search(client, "Patient", [("name", "roy"), ("_count", "5")])
    url = link(bundle, "self")
    assert url.startswith(f"{BASE}/Patient?")
    assert sorted(parse_qsl(urlsplit(url).query)) == [("_count", "5"), ("name", "roy")]


def test_post_search_with_a_form_body_gives_the_same_results_as_get(client: TestClient) -> None:
    roy = create(client, patient(name=[{"family": "Roy"}], gender="female"))
    create(client, patient(name=[{"family": "Roy"}], gender="male"))
    response = client.post(
        "/fhir/Patient/_search",
        content="family=roy&gender=female",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert ids(response.json()) == [roy]
    assert ids(search(client, "Patient", {"family": "roy", "gender": "female"})) == [roy]
    mixed = client.post(
        "/fhir/Patient/_search?gender=female",
        content="family=roy",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ids(mixed.json()) == [roy]


def test_compartment_search_returns_the_patients_resources_only(client: TestClient) -> None:
    put(client, {"resourceType": "Patient", "id": "123"})
    put(client, {"resourceType": "Patient", "id": "456"})
    code = {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]}
    mine = create(client, observation(code=code, subject={"reference": "Patient/123"}))
    create(client, observation(subject={"reference": "Patient/123"}))
    create(client, observation(code=code, subject={"reference": "Patient/456"}))
    bundle = search(client, "Patient/123/Observation", {"code": "2345-7"})
    assert ids(bundle) == [mine]
    assert link(bundle, "self").startswith(f"{BASE}/Patient/123/Observation?")
    assert len(ids(search(client, "Patient/123/Observation"))) == 2
    unknown = get(client, "Patient/789/Observation")
    # The compartment of a patient the server does not hold is empty or unknown (404).
    assert unknown.status_code in (200, 404)
    assert unknown.status_code == 404 or ids(unknown.json()) == []


def test_deleted_resources_never_appear(client: TestClient) -> None:
    gone = create(client, patient(name=[{"family": "Roy"}]))
    kept = create(client, patient(name=[{"family": "Roy"}]))
    delete(client, f"Patient/{gone}")
    assert found(client, "Patient", {"family": "roy"}) == {kept}
    assert found(client, "Patient", {"_id": gone}) == set()
    assert found(client, "Patient", {}) == {kept}
    assert search(client, "Patient", {"_summary": "count"})["total"] == 1


def test_updated_resources_are_found_by_their_new_values_only(client: TestClient) -> None:
    stored = put(client, {"resourceType": "Patient", "id": "p", "name": [{"family": "Roy"}], "gender": "male"})
    put(client, {**stored, "name": [{"family": "Côté"}], "gender": "female"})
    assert found(client, "Patient", {"family": "roy"}) == set()
    assert found(client, "Patient", {"gender": "male"}) == set()
    assert found(client, "Patient", {"family": "cote", "gender": "female"}) == {"p"}
