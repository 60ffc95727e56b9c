"""Patient/$everything and Observation/$lastn through the HTTP API."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

FHIR = {"Content-Type": "application/fhir+json"}


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def lab(patient: str, code: str, when: str, value: float) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": patient},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "mmol/L"},
    }


def load_patient(client: TestClient, family: str, labs: list[tuple[str, str, float]]) -> str:
    org_urn, patient_urn = urn(), urn()
    entries = [
        {
            "fullUrl": org_urn,
            "resource": {"resourceType": "Organization", "name": f"CLSC {family}"},
            "request": {"method": "POST", "url": "Organization"},
        },
        {
            "fullUrl": patient_urn,
            "resource": {
                "resourceType": "Patient",
                "name": [{"family": family}],
                "managingOrganization": {"reference": org_urn},
            },
            "request": {"method": "POST", "url": "Patient"},
        },
    ]
    entries += [
        {"fullUrl": urn(), "resource": lab(patient_urn, *item), "request": {"method": "POST", "url": "Observation"}}
        for item in labs
    ]
    response = client.post(
        "/fhir", json={"resourceType": "Bundle", "type": "transaction", "entry": entries}, headers=FHIR
    )
    assert response.status_code == 200, response.text
    return response.json()["entry"][1]["resource"]["id"]


LABS = [
    ("2345-7", "2023-01-10", 5.1),
    ("2345-7", "2024-06-01", 6.3),
    ("2345-7", "2022-03-15", 4.9),
    ("718-7", "2024-02-02", 13.5),
]


def test_everything_returns_the_patient_record_and_referenced_resources_only(client: TestClient) -> None:
    patient_id = load_patient(client, "Tremblay", LABS)
    load_patient(client, "Gagnon", LABS[:2])
    bundle = client.get(f"/fhir/Patient/{patient_id}/$everything").json()
    types = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
    assert types == ["Observation"] * 4 + ["Organization", "Patient"]
    assert bundle["total"] == 6
    subjects = {e["resource"]["subject"]["reference"] for e in bundle["entry"] if "subject" in e["resource"]}
    assert subjects == {f"Patient/{patient_id}"}


def test_everything_pages_with_count_and_filters_by_type_and_since(client: TestClient) -> None:
    patient_id = load_patient(client, "Roy", LABS)
    first = client.get(f"/fhir/Patient/{patient_id}/$everything", params={"_count": "4"}).json()
    assert len(first["entry"]) == 4
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(next_url.replace("http://testserver", "")).json()
    ids = [e["resource"]["id"] for e in first["entry"] + second["entry"]]
    assert len(ids) == len(set(ids)) == 6
    only_obs = client.get(f"/fhir/Patient/{patient_id}/$everything", params={"_type": "Observation"}).json()
    assert {e["resource"]["resourceType"] for e in only_obs["entry"]} == {"Observation"}
    stamp = only_obs["entry"][-1]["resource"]["meta"]["lastUpdated"]
    later = client.get(f"/fhir/Patient/{patient_id}/$everything", params={"_since": stamp}).json()
    assert [e["resource"]["id"] for e in later["entry"]] == [only_obs["entry"][-1]["resource"]["id"]]


def test_everything_of_unknown_patient_is_404(client: TestClient) -> None:
    assert client.get("/fhir/Patient/nobody/$everything").status_code == 404


def test_lastn_returns_the_latest_result_per_code(client: TestClient) -> None:
    patient_id = load_patient(client, "Côté", LABS)
    bundle = client.get("/fhir/Observation/$lastn", params={"patient": patient_id}).json()
    latest = {(e["resource"]["code"]["coding"][0]["code"], e["resource"]["effectiveDateTime"]) for e in bundle["entry"]}
    assert latest == {("2345-7", "2024-06-01"), ("718-7", "2024-02-02")}
    two = client.get("/fhir/Observation/$lastn", params={"patient": patient_id, "max": "2", "code": "2345-7"}).json()
    assert [e["resource"]["effectiveDateTime"] for e in two["entry"]] == ["2024-06-01", "2023-01-10"]


def test_lastn_rejects_a_bad_max(client: TestClient) -> None:
    response = client.get("/fhir/Observation/$lastn", params={"max": "zero"})
    assert response.status_code == 400
