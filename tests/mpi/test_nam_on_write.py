"""A NAM that contradicts the Patient it is recorded with is never accepted silently."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dsn.api.app import create_app
from dsn.config import Settings
from dsn.mpi.nam import NAM_SYSTEM
from tests.support.auth import bearer

FHIR = {"Content-Type": "application/fhir+json"}


def patient(nam: str) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NAM_SYSTEM, "value": nam}],
        "name": [{"use": "official", "family": "Lévesque", "given": ["Émilie"]}],
        "gender": "female",
        "birthDate": "1988-09-23",
    }


def test_a_consistent_nam_is_accepted_without_remarks(client: TestClient) -> None:
    response = client.post(
        "/fhir/Patient", json=patient("LEVE88592312"), headers={**FHIR, "Prefer": "return=OperationOutcome"}
    )
    assert response.status_code == 201
    assert all(i["severity"] == "information" for i in response.json()["issue"])


def test_a_contradicting_nam_is_stored_with_a_warning_by_default(client: TestClient) -> None:
    wrong_sex = "LEVE88092312"  # month 09: a man's NAM, for a woman
    response = client.post(
        "/fhir/Patient", json=patient(wrong_sex), headers={**FHIR, "Prefer": "return=OperationOutcome"}
    )
    assert response.status_code == 201
    issues = response.json()["issue"]
    assert any(i["severity"] == "warning" and i["expression"] == ["Patient.identifier[0].value"] for i in issues)


def test_with_the_error_setting_a_contradicting_nam_is_refused(settings: Settings) -> None:
    strict = settings.model_copy(update={"nam_mismatch": "error"})
    app = create_app(strict, migrate=False)
    http = TestClient(app, base_url="http://testserver", headers=bearer(strict))
    response = http.post("/fhir/Patient", json=patient("LEVE88092312"), headers=FHIR)
    assert response.status_code == 422
    assert "NAM" in response.json()["issue"][0]["diagnostics"]
    assert http.get("/fhir/Patient", params={"_total": "accurate"}).json()["total"] == 0
    app.state.service.close()
    app.state.engine.dispose()
