"""Client mistakes get a 4xx OperationOutcome that says what and where; nothing is stored."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.support.auth import bearer

from dsn.config import Settings

FHIR = {"Content-Type": "application/fhir+json"}


def outcome(response) -> dict:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body


def test_malformed_json_answers_400_with_the_parser_position(client: TestClient) -> None:
    response = client.post("/fhir/Patient", content=b'{"resourceType": "Patient",', headers=FHIR)
    assert response.status_code == 400
    assert "not valid JSON" in outcome(response)["issue"][0]["diagnostics"]


def test_invalid_birth_date_is_reported_at_its_path(client: TestClient) -> None:
    response = client.post("/fhir/Patient", json={"resourceType": "Patient", "birthDate": "1984-13-45"}, headers=FHIR)
    assert response.status_code in (400, 422)
    expressions = [e for issue in outcome(response)["issue"] for e in issue.get("expression", [])]
    assert "Patient.birthDate" in expressions


def test_unknown_element_is_reported(client: TestClient) -> None:
    response = client.post("/fhir/Patient", json={"resourceType": "Patient", "nickname": "Ti-Jean"}, headers=FHIR)
    assert response.status_code == 400
    assert any("nickname" in e for i in outcome(response)["issue"] for e in i.get("expression", []))


def test_resource_type_mismatch_with_url_is_rejected(client: TestClient) -> None:
    response = client.post("/fhir/Patient", json={"resourceType": "Observation"}, headers=FHIR)
    assert response.status_code == 400
    outcome(response)


def test_wrong_method_answers_405(client: TestClient) -> None:
    response = client.post("/fhir/Patient/123", json={"resourceType": "Patient"}, headers=FHIR)
    assert response.status_code == 405
    outcome(response)


def test_unsupported_format_answers_406(client: TestClient) -> None:
    response = client.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 406
    assert "application/fhir+json" in outcome(response)["issue"][0]["diagnostics"]
    assert client.get("/fhir/metadata", params={"_format": "xml"}).status_code == 406


def test_unsupported_content_type_answers_415(client: TestClient) -> None:
    response = client.post("/fhir/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"})
    assert response.status_code == 415
    outcome(response)


def test_body_over_the_limit_answers_413(settings: Settings) -> None:
    from dsn.api.app import create_app

    small = settings.model_copy(update={"max_body_bytes": 1000})
    app = create_app(small, migrate=False)
    with TestClient(app, headers=bearer(small)) as client:
        big = {"resourceType": "Patient", "name": [{"text": "x" * 5000}]}
        response = client.post("/fhir/Patient", json=big, headers=FHIR)
        assert response.status_code == 413
        outcome(response)
    app.state.engine.dispose()


def test_unknown_path_answers_404_operation_outcome(client: TestClient) -> None:
    response = client.get("/fhir/Patient/1/2/3/4/5")
    assert response.status_code == 404
    outcome(response)


def test_request_id_is_echoed_when_well_formed(client: TestClient) -> None:
    response = client.get("/fhir/metadata", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    forged = client.get("/fhir/metadata", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["X-Request-ID"] != "bad id\nwith newline"


def test_validate_operation_reports_without_storing(client: TestClient) -> None:
    response = client.post("/fhir/Patient/$validate", json={"resourceType": "Patient", "gender": "robot"}, headers=FHIR)
    assert response.status_code == 200
    issues = outcome(response)["issue"]
    assert any(i["severity"] == "error" and "Patient.gender" in i.get("expression", []) for i in issues)
    assert client.get("/fhir/Patient", params={"_total": "accurate"}).json()["total"] == 0
    clean = client.post("/fhir/Patient/$validate", json={"resourceType": "Patient"}, headers=FHIR)
    assert [i["severity"] for i in outcome(clean)["issue"]] == ["information"]


def test_metadata_is_a_capability_statement_for_every_resource_type(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Observation", "Bundle", "AuditEvent"} <= types
    assert statement["format"] == ["application/fhir+json", "json"]
