"""``POST /fhir/Patient/$match`` over HTTP: Parameters in, graded and explained candidates out."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dsn.api.operations import match as match_operation
from dsn.config import Settings
from dsn.mpi.index import rebuild
from dsn.mpi.nam import NAM_SYSTEM
from dsn.mpi.parameters import forget_cached
from tests.support.auth import bearer

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
EXPLANATION = "https://dsn.quebec/fhir/StructureDefinition/match-explanation"


def nam(value: str) -> list[dict[str, Any]]:
    return [{"system": NAM_SYSTEM, "type": {"text": "NAM"}, "value": value}]


PEOPLE = {
    "nathalie": {
        "resourceType": "Patient",
        "identifier": nam("TREN75531412"),
        "name": [{"use": "official", "family": "Tremblay", "given": ["Nathalie"]}],
        "gender": "female",
        "birthDate": "1975-03-14",
        "address": [{"postalCode": "H2X 1Y4"}],
    },
    "nathalie-again": {  # the same person, registered elsewhere without her card
        "resourceType": "Patient",
        "name": [{"use": "official", "family": "TREMBLAY", "given": ["Nathalie"]}],
        "gender": "female",
        "birthDate": "1975-03-14",
        "address": [{"postalCode": "H2X1Y4"}],
    },
    "twin": {
        "resourceType": "Patient",
        "identifier": nam("TRES75531418"),
        "name": [{"use": "official", "family": "Tremblay", "given": ["Sylvie"]}],
        "gender": "female",
        "birthDate": "1975-03-14",
        "address": [{"postalCode": "H2X 1Y4"}],
    },
    "gerard": {
        "resourceType": "Patient",
        "identifier": nam("BOUG31110215"),
        "name": [{"use": "official", "family": "Bouchard", "given": ["Gérard"]}],
        "gender": "male",
        "birthDate": "1931-11-02",
    },
}


@pytest.fixture
def routed(app: FastAPI) -> FastAPI:
    """The operation's router, unless the application already serves it."""
    if not any(getattr(route, "path", "") == "/fhir/Patient/$match" for route in app.routes):
        app.include_router(match_operation.router, prefix="/fhir")
    forget_cached()
    return app


@pytest.fixture
def people(routed: FastAPI, client: TestClient) -> dict[str, str]:
    ids = {}
    for key, body in PEOPLE.items():
        response = client.post("/fhir/Patient", json=body, headers={"Content-Type": "application/fhir+json"})
        assert response.status_code == 201, response.text
        ids[key] = response.json()["id"]
    rebuild(routed.state.engine)  # harmless once Patient writes index themselves
    return ids


def parameters(patient: dict[str, Any], **extra: Any) -> dict[str, Any]:
    params: list[dict[str, Any]] = [{"name": "resource", "resource": patient}]
    if "count" in extra:
        params.append({"name": "count", "valueInteger": extra["count"]})
    if "only_certain" in extra:
        params.append({"name": "onlyCertainMatches", "valueBoolean": extra["only_certain"]})
    return {"resourceType": "Parameters", "parameter": params}


def post_match(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/fhir/Patient/$match", json=body, headers={"Content-Type": "application/fhir+json"})


def grade_of(entry: dict[str, Any]) -> str:
    return next(e["valueCode"] for e in entry["search"]["extension"] if e["url"] == MATCH_GRADE)


def explanation_of(entry: dict[str, Any]) -> dict[str, Any]:
    parts = next(e for e in entry["search"]["extension"] if e["url"] == EXPLANATION)["extension"]
    fields = {}
    for part in parts:
        if part["url"] == "field":
            values = {
                item["url"]: next(v for k, v in item.items() if k.startswith("value")) for item in part["extension"]
            }
            fields[values["name"]] = (values["level"], values["weight"])
    return {"weight": parts[0]["valueDecimal"], "fields": fields, "urls": [p["url"] for p in parts]}


def test_match_returns_graded_scored_and_explained_candidates(client: TestClient, people: dict[str, str]) -> None:
    query = {
        "resourceType": "Patient",
        "name": [{"family": "Tremblé", "given": ["Nathalie"]}],
        "gender": "female",
        "birthDate": "1975-03-14",
        "identifier": nam("TREN 7553 1412"),
    }
    response = post_match(client, parameters(query))
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    entries = bundle["entry"]
    ids = [entry["resource"]["id"] for entry in entries]
    assert ids[0] == people["nathalie"]
    assert grade_of(entries[0]) == "certain"
    assert 0.99 < entries[0]["search"]["score"] <= 1
    assert entries[0]["search"]["mode"] == "match"
    assert entries[0]["fullUrl"].endswith(f"/Patient/{people['nathalie']}")
    explained = explanation_of(entries[0])
    assert explained["fields"]["nam"][0] == "exact" and explained["fields"]["nam"][1] > 0
    assert explained["fields"]["family"][0] == "fuzzy"
    assert explained["fields"]["phone"] == ("missing", 0.0)
    scores = [entry["search"]["score"] for entry in entries]
    assert scores == sorted(scores, reverse=True)
    assert people["gerard"] not in ids
    assert people["nathalie-again"] in ids


def test_the_twin_is_never_more_than_possible(client: TestClient, people: dict[str, str]) -> None:
    twin_query = {k: v for k, v in PEOPLE["twin"].items() if k != "identifier"}
    entries = post_match(client, parameters(twin_query)).json()["entry"]
    grades = {entry["resource"]["id"]: grade_of(entry) for entry in entries}
    assert grades[people["twin"]] in ("certain", "probable")
    assert grades.get(people["nathalie"], "possible") == "possible"
    twin_entry = next(e for e in entries if e["resource"]["id"] == people["nathalie"])
    assert "guard" in explanation_of(twin_entry)["urls"]


def test_count_and_only_certain_matches(client: TestClient, people: dict[str, str]) -> None:
    query = PEOPLE["nathalie"]
    assert len(post_match(client, parameters(query, count=1)).json()["entry"]) == 1
    certain = post_match(client, parameters(query, only_certain=True)).json()
    assert certain["entry"] and all(grade_of(entry) == "certain" for entry in certain["entry"])
    none = post_match(client, parameters({"resourceType": "Patient", "name": [{"family": "Zzyzx"}]})).json()
    assert none["total"] == 0 and "entry" not in none


def test_a_bare_patient_body_is_accepted(client: TestClient, people: dict[str, str]) -> None:
    response = post_match(client, PEOPLE["gerard"])
    assert response.status_code == 200
    assert response.json()["entry"][0]["resource"]["id"] == people["gerard"]


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Parameters", "parameter": []},
        {"resourceType": "Parameters", "parameter": [
            {"name": "resource", "resource": {"resourceType": "Observation"}}]},
        {"resourceType": "Parameters", "parameter": [
            {"name": "resource", "resource": PEOPLE["gerard"]}, {"name": "count", "valueInteger": 0}]},
        {"resourceType": "Parameters", "parameter": [
            {"name": "resource", "resource": PEOPLE["gerard"]}, {"name": "onlyCertainMatches", "valueString": "y"}]},
        {"resourceType": "Observation"},
    ],
)  # fmt: skip
def test_malformed_requests_are_400(routed: FastAPI, client: TestClient, body: dict[str, Any]) -> None:
    response = post_match(client, body)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_anonymous_callers_are_refused(routed: FastAPI, anonymous_client: TestClient) -> None:
    assert post_match(anonymous_client, parameters(PEOPLE["gerard"])).status_code == 401


def test_callers_only_see_candidates_they_may_see(routed: FastAPI, settings: Settings, people: dict[str, str]) -> None:
    """A patient may match only against their own record: others are not even counted."""
    headers = bearer(
        settings, kind="user", subject="u-nathalie", role="patient", scopes=("patient/*.rs",),
        patients=(people["nathalie"],),
    )  # fmt: skip
    with TestClient(routed, base_url="http://testserver", headers=headers) as own:
        bundle = post_match(own, parameters(PEOPLE["nathalie"])).json()
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [people["nathalie"]]
    assert bundle["total"] == 1
    no_search = bearer(settings, scopes=("system/Observation.rs",))
    with TestClient(routed, base_url="http://testserver", headers=no_search) as narrow:
        assert post_match(narrow, parameters(PEOPLE["nathalie"])).status_code == 403


def test_a_patient_written_through_the_api_is_matchable_at_once(client: TestClient) -> None:
    """The write pipeline maintains the MPI index in the same transaction: no rebuild needed."""
    created = client.post(
        "/fhir/Patient", json=PEOPLE["gerard"], headers={"Content-Type": "application/fhir+json"}
    ).json()
    probe = {**PEOPLE["gerard"], "identifier": [], "name": [{"family": "Bouchard", "given": ["Gerard"]}]}
    probe.pop("identifier")
    response = client.post(
        "/fhir/Patient/$match",
        json={"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": probe}]},
        headers={"Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 200, response.text
    ids = [e["resource"]["id"] for e in response.json().get("entry", [])]
    assert created["id"] in ids
