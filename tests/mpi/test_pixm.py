"""IHE PIXm: one identifier in, the patient's other identifiers and DSN id out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dsn.mpi.nam import NAM_SYSTEM

FHIR = {"Content-Type": "application/fhir+json"}
MRN_CHU = "https://dsn.quebec/fhir/NamingSystem/mrn/chu-trois-rivieres"
MRN_CLSC = "https://dsn.quebec/fhir/NamingSystem/mrn/clsc-shawinigan"


def test_pix_cross_references_a_local_record_number(client: TestClient) -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {"system": NAM_SYSTEM, "value": "GAGL75031412"},
            {"system": MRN_CHU, "value": "00123456"},
            {"system": MRN_CLSC, "value": "A-778"},
        ],
        "name": [{"family": "Gagnon", "given": ["Luc"]}],
        "gender": "male",
        "birthDate": "1975-03-14",
    }
    pid = client.post("/fhir/Patient", json=patient, headers=FHIR).json()["id"]
    answer = client.get("/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{MRN_CHU}|00123456"}).json()
    targets = {
        (p["valueIdentifier"]["system"], p["valueIdentifier"]["value"])
        for p in answer["parameter"]
        if p["name"] == "targetIdentifier"
    }
    assert targets == {(NAM_SYSTEM, "GAGL75031412"), (MRN_CLSC, "A-778")}
    assert {"name": "targetId", "valueReference": {"reference": f"Patient/{pid}"}} in answer["parameter"]
    only_nam = client.get(
        "/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{MRN_CHU}|00123456", "targetSystem": NAM_SYSTEM}
    ).json()
    assert [p["valueIdentifier"]["value"] for p in only_nam["parameter"] if p["name"] == "targetIdentifier"] == [
        "GAGL75031412"
    ]


def test_pix_answers_404_for_an_unknown_identifier_and_400_without_one(client: TestClient) -> None:
    assert client.get("/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{MRN_CHU}|nope"}).status_code == 404
    assert client.get("/fhir/Patient/$ihe-pix").status_code == 400


def test_pix_requires_authentication(anonymous_client: TestClient) -> None:
    assert (
        anonymous_client.get("/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{MRN_CHU}|1"}).status_code == 401
    )
