"""Attacks over HTTP: no credentials, and a patient reaching for another patient's data.

Whatever the path (read by id, search, _include, _revinclude, chains, _has,
compartment search, $everything, history), the other patient's data never appears,
not even as a count, and the answers look the same as for data that does not exist.
"""

from __future__ import annotations

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dsn.config import Settings
from tests.support.auth import bearer

FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def two_patients(client: TestClient) -> dict[str, str]:
    ids = {}
    for name in ("Tremblay", "Gagnon"):
        patient = client.post(
            "/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": name}]}, headers=FHIR
        )
        pid = patient.json()["id"]
        obs = client.post(
            "/fhir/Observation",
            json={
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
                "subject": {"reference": f"Patient/{pid}"},
                "valueQuantity": {"value": 5.5, "unit": "mmol/L"},
            },
            headers=FHIR,
        )
        ids[name] = pid
        ids[f"{name}-obs"] = obs.json()["id"]
    return ids


@pytest.fixture
def tremblay(app: FastAPI, settings: Settings, two_patients: dict[str, str]) -> TestClient:
    headers = bearer(
        settings,
        kind="user",
        subject="user-tremblay",
        role="patient",
        scopes=("patient/*.rs",),
        patients=(two_patients["Tremblay"],),
        fhir_user=f"Patient/{two_patients['Tremblay']}",
    )
    return TestClient(app, base_url="http://testserver", headers=headers)


def test_requests_without_credentials_get_401_and_no_data(anonymous_client: TestClient, two_patients: dict) -> None:
    for path in (
        f"/fhir/Patient/{two_patients['Gagnon']}",
        "/fhir/Patient",
        "/fhir/Observation?code=2345-7",
        f"/fhir/Patient/{two_patients['Gagnon']}/$everything",
        "/fhir/_history",
    ):
        response = anonymous_client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Gagnon" not in response.text and two_patients["Gagnon-obs"] not in response.text
    assert anonymous_client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=FHIR).status_code == 401
    assert anonymous_client.get("/fhir/metadata").status_code == 200  # discovery stays public


def test_forged_token_is_401(anonymous_client: TestClient, settings: Settings) -> None:
    good = bearer(settings)["Authorization"]
    header, payload, signature = good.split(" ")[1].split(".")
    forged = f"Bearer {header}.{payload}.{signature[:-4]}AAAA"
    response = anonymous_client.get("/fhir/Patient", headers={"Authorization": forged})
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_patient_cannot_read_another_patient_in_any_way(tremblay: TestClient, two_patients: dict) -> None:
    other, other_obs = two_patients["Gagnon"], two_patients["Gagnon-obs"]
    absent = tremblay.get("/fhir/Patient/does-not-exist")
    by_id = tremblay.get(f"/fhir/Patient/{other}")
    assert by_id.status_code == absent.status_code == 404
    assert tremblay.get(f"/fhir/Observation/{other_obs}").status_code == 404
    assert tremblay.get(f"/fhir/Observation/{other_obs}/_history").status_code == 404
    assert tremblay.get(f"/fhir/Patient/{other}/$everything").status_code == 404
    assert tremblay.get(f"/fhir/Patient/{other}/Observation").status_code == 404
    searches = [
        ("Patient", {"_total": "accurate"}),
        ("Patient", {"name": "Gagnon", "_total": "accurate"}),
        ("Observation", {"subject": f"Patient/{other}", "_total": "accurate"}),
        ("Observation", {"_total": "accurate", "_include": "Observation:subject"}),
        ("Patient", {"_revinclude": "Observation:subject", "_total": "accurate"}),
        ("Observation", {"subject:Patient.name": "Gagnon", "_total": "accurate"}),
        ("Patient", {"_has:Observation:subject:code": "2345-7", "_total": "accurate"}),
        ("Observation", {"_summary": "count"}),
    ]
    for res_type, params in searches:
        response = tremblay.get(f"/fhir/{res_type}", params=params)
        assert response.status_code == 200, (res_type, params, response.text)
        body = orjson.loads(response.text)
        # The self link echoes the caller's own query; everything else must be clean.
        text = orjson.dumps({k: v for k, v in body.items() if k != "link"}).decode()
        assert other not in text and other_obs not in text and "Gagnon" not in text
        ids = {e["resource"]["id"] for e in body.get("entry", []) if e.get("search", {}).get("mode") != "outcome"}
        assert ids <= {two_patients["Tremblay"], two_patients["Tremblay-obs"]}
        assert body.get("total", 0) <= 1 or (res_type == "Observation" and "_include" in params)
    history = tremblay.get("/fhir/Observation/_history").json()
    assert {e["resource"]["id"] for e in history.get("entry", [])} == {two_patients["Tremblay-obs"]}


def test_a_patient_cannot_write_into_another_patients_record(tremblay: TestClient, two_patients: dict) -> None:
    response = tremblay.post(
        "/fhir/Observation",
        json={
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "x"},
            "subject": {"reference": f"Patient/{two_patients['Gagnon']}"},
        },
        headers=FHIR,
    )
    assert response.status_code == 403


def test_scope_escalation_is_refused(app: FastAPI, settings: Settings, two_patients: dict) -> None:
    """A read-only token cannot write, whatever the role would allow."""
    headers = bearer(settings, kind="user", subject="doc", role="physician", scopes=("user/*.rs",), region="04")
    with TestClient(app, base_url="http://testserver", headers=headers) as http:
        response = http.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=FHIR)
        assert response.status_code == 403
