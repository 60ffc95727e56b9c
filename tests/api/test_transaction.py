"""Batch and transaction Bundles: all-or-nothing, urn:uuid resolution, ordering, conditionals."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

FHIR = {"Content-Type": "application/fhir+json"}


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def entry(full_url: str | None, resource: dict | None, method: str, url: str, **request: str) -> dict:
    item: dict = {"request": {"method": method, "url": url, **request}}
    if full_url:
        item["fullUrl"] = full_url
    if resource is not None:
        item["resource"] = resource
    return item


def bundle(kind: str, *entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def count(client: TestClient, res_type: str) -> int:
    return client.get(f"/fhir/{res_type}", params={"_total": "accurate", "_count": "0"}).json()["total"]


PATIENT = {"resourceType": "Patient", "name": [{"family": "Côté", "given": ["Jean"]}], "gender": "male"}


def observation(subject: str) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
        "subject": {"reference": subject},
        "valueQuantity": {"value": 5.4, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"},
    }


def test_transaction_resolves_urn_uuid_references_to_assigned_ids(client: TestClient) -> None:
    patient_urn = urn()
    response = client.post(
        "/fhir",
        json=bundle(
            "transaction",
            entry(urn(), observation(patient_urn), "POST", "Observation"),
            entry(patient_urn, PATIENT, "POST", "Patient"),
        ),
        headers=FHIR,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["type"] == "transaction-response"
    obs_response, patient_response = result["entry"]
    assert obs_response["response"]["status"] == "201 Created"
    patient_id = patient_response["resource"]["id"]
    assert obs_response["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    assert patient_response["response"]["location"].startswith(f"Patient/{patient_id}/_history/1")


def test_transaction_with_one_invalid_entry_stores_nothing(client: TestClient) -> None:
    patient_urn = urn()
    bad = observation(patient_urn) | {"status": "not-a-status"}
    response = client.post(
        "/fhir",
        json=bundle(
            "transaction",
            entry(patient_urn, PATIENT, "POST", "Patient"),
            entry(urn(), observation(patient_urn), "POST", "Observation"),
            entry(urn(), bad, "POST", "Observation"),
        ),
        headers=FHIR,
    )
    assert response.status_code in (400, 422)
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any("Bundle.entry[2]" in e for i in outcome["issue"] for e in i.get("expression", []))
    assert count(client, "Patient") == 0
    assert count(client, "Observation") == 0


def test_transaction_reference_to_missing_fullurl_is_rejected(client: TestClient) -> None:
    response = client.post(
        "/fhir",
        json=bundle("transaction", entry(urn(), observation(urn()), "POST", "Observation")),
        headers=FHIR,
    )
    assert response.status_code == 400
    assert "does not resolve" in response.json()["issue"][0]["diagnostics"]
    assert count(client, "Observation") == 0


def test_transaction_conditional_create_and_conditional_reference(client: TestClient) -> None:
    ident = {"system": "https://dsn.quebec/nam", "value": "COTJ80010112"}
    existing = client.post("/fhir/Patient", json=PATIENT | {"identifier": [ident]}, headers=FHIR).json()
    patient_urn = urn()
    response = client.post(
        "/fhir",
        json=bundle(
            "transaction",
            entry(
                patient_urn,
                PATIENT | {"identifier": [ident]},
                "POST",
                "Patient",
                ifNoneExist="identifier=https://dsn.quebec/nam|COTJ80010112",
            ),
            entry(urn(), observation(patient_urn), "POST", "Observation"),
            entry(urn(), observation("Patient?identifier=https://dsn.quebec/nam|COTJ80010112"), "POST", "Observation"),
        ),
        headers=FHIR,
    )
    assert response.status_code == 200, response.text
    entries = response.json()["entry"]
    assert entries[0]["response"]["status"] == "200 OK"
    assert entries[1]["resource"]["subject"]["reference"] == f"Patient/{existing['id']}"
    assert entries[2]["resource"]["subject"]["reference"] == f"Patient/{existing['id']}"
    assert count(client, "Patient") == 1


def test_transaction_search_entry_sees_writes_of_the_same_transaction(client: TestClient) -> None:
    old = client.post("/fhir/Patient", json=PATIENT, headers=FHIR).json()
    response = client.post(
        "/fhir",
        json=bundle(
            "transaction",
            entry(None, None, "GET", "Patient?name=cote"),
            entry(urn(), PATIENT, "POST", "Patient"),
            entry(None, None, "DELETE", f"Patient/{old['id']}"),
        ),
        headers=FHIR,
    )
    assert response.status_code == 200, response.text
    search, created, deleted = response.json()["entry"]
    assert deleted["response"]["status"] in ("200 OK", "204 No Content")
    assert created["response"]["status"] == "201 Created"
    found = [e["resource"]["id"] for e in search["resource"].get("entry", []) if e["search"]["mode"] == "match"]
    assert found == [created["resource"]["id"]]


def test_batch_entries_succeed_or_fail_on_their_own(client: TestClient) -> None:
    response = client.post(
        "/fhir",
        json=bundle(
            "batch",
            entry(None, PATIENT, "POST", "Patient"),
            entry(None, PATIENT | {"gender": "robot"}, "POST", "Patient"),
            entry(None, None, "GET", "Patient/nope"),
        ),
        headers=FHIR,
    )
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses[0] == "201 Created"
    assert statuses[1] in ("400", "422")
    assert statuses[2] == "404"
    assert count(client, "Patient") == 1


def test_bundle_of_wrong_type_is_rejected(client: TestClient) -> None:
    response = client.post("/fhir", json={"resourceType": "Bundle", "type": "collection"}, headers=FHIR)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Bundle.type"]


def test_deleting_a_missing_resource_inside_a_transaction_is_a_quick_no_op(client: TestClient) -> None:
    import time

    started = time.perf_counter()
    response = client.post(
        "/fhir",
        json=bundle("transaction", entry(None, None, "DELETE", "Patient/never-was")),
        headers=FHIR,
    )
    assert response.status_code == 200
    assert response.json()["entry"][0]["response"]["status"] == "204 No Content"
    assert time.perf_counter() - started < 5  # no wait on the audit writer inside our own transaction
