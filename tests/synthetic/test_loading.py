"""Synthetic bundles load into DSN as they are: the facilities, then patient transactions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dsn.synthetic.bundles import facilities_bundle, iter_patient_bundles
from dsn.synthetic.identifiers import NAM_SYSTEM

FHIR = {"Content-Type": "application/fhir+json"}


def test_facilities_then_patient_bundles_load_and_resolve(client: TestClient) -> None:
    loaded = client.post("/fhir", json=facilities_bundle(), headers=FHIR)
    assert loaded.status_code == 200, loaded.text
    assert {e["response"]["status"][:3] for e in loaded.json()["entry"]} == {"201"}

    for bundle in iter_patient_bundles("load", 3, target_resources_per_patient=40):
        response = client.post("/fhir", json=bundle, headers=FHIR)
        assert response.status_code == 200, response.text
        assert {e["response"]["status"][:3] for e in response.json()["entry"]} == {"201"}

        nam = bundle["entry"][0]["resource"]["identifier"][0]["value"]
        found = client.get("/fhir/Patient", params={"identifier": f"{NAM_SYSTEM}|{nam}"}).json()
        [match] = found["entry"]
        patient_id = match["resource"]["id"]
        observations = client.get(
            "/fhir/Observation", params={"subject": f"Patient/{patient_id}", "_count": "200"}
        ).json()
        expected = sum(e["resource"]["resourceType"] == "Observation" for e in bundle["entry"])
        assert len(observations.get("entry", [])) == expected
