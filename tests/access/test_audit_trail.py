"""Every interaction leaves its audit record, exactly; reads fail closed without one."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from dsn.audit.query import AuditFilter, search
from dsn.config import Settings
from dsn.fhir.validation import validate_resource
from dsn.store.security_schema import region
from tests.support.auth import bearer

FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def physician(app: FastAPI, settings: Settings, engine: Engine) -> TestClient:
    with engine.begin() as conn:
        conn.execute(region.insert().values(code="04", name="Mauricie", live=True))
    headers = bearer(
        settings,
        kind="user",
        subject="user-gagnon",
        role="physician",
        scopes=("user/*.cruds",),
        organization="org-chu-trois-rivieres",
        region="04",
        fhir_user="Practitioner/pr-gagnon",
        client_id="dsn-chart",
    )
    return TestClient(app, base_url="http://testserver", headers=headers)


def last_record(engine: Engine):
    with engine.connect() as conn:
        return search(conn, AuditFilter(), count=1).entries[0]


def test_each_interaction_produces_its_exact_audit_record(physician: TestClient, engine: Engine) -> None:
    patient = physician.post(
        "/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": "Roy"}]}, headers=FHIR
    ).json()
    pid = patient["id"]
    obs_body = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        "subject": {"reference": f"Patient/{pid}"},
    }
    steps = [
        ("create", "C", lambda: physician.post("/fhir/Observation", json=obs_body, headers=FHIR)),
        ("read", "R", lambda: physician.get(f"/fhir/Patient/{pid}")),
        ("vread", "R", lambda: physician.get(f"/fhir/Patient/{pid}/_history/1")),
        (
            "update",
            "U",
            lambda: physician.put(f"/fhir/Patient/{pid}", json={**patient, "gender": "male"}, headers=FHIR),
        ),
        (
            "patch",
            "U",
            lambda: physician.patch(
                f"/fhir/Patient/{pid}",
                json=[{"op": "add", "path": "/birthDate", "value": "1950-02-03"}],
                headers={"Content-Type": "application/json-patch+json"},
            ),
        ),
        ("search-type", "E", lambda: physician.get("/fhir/Observation", params={"subject": pid})),
        ("history-instance", "R", lambda: physician.get(f"/fhir/Patient/{pid}/_history")),
        ("$everything", "E", lambda: physician.get(f"/fhir/Patient/{pid}/$everything")),
    ]
    for subtype, action, call in steps:
        response = call()
        assert response.status_code in (200, 201), (subtype, response.text)
        record = last_record(engine)
        assert (record.record.subtype, record.record.action) == (subtype, action)
        agent = record.record.agent
        assert (agent.user_id, agent.role, agent.organization, agent.region, agent.client_id) == (
            "user-gagnon",
            "physician",
            "org-chu-trois-rivieres",
            "04",
            "dsn-chart",
        )
        assert agent.network_address == "testclient"
        assert record.record.patient_ids == (pid,), subtype
        assert record.record.outcome == 0
        event = record.to_event()
        assert event["resourceType"] == "AuditEvent"
        assert validate_resource(event) == [], subtype
    observation = physician.get("/fhir/Observation", params={"subject": pid}).json()["entry"][0]["resource"]
    deleted = physician.delete(f"/fhir/Observation/{observation['id']}")
    assert deleted.status_code == 204
    record = last_record(engine).record
    assert (record.subtype, record.action, record.entities, record.patient_ids) == (
        "delete",
        "D",
        (f"Observation/{observation['id']}/_history/2",),
        (pid,),
    )


def test_a_refused_access_is_recorded_as_a_failure(physician: TestClient, engine: Engine) -> None:
    assert physician.get("/fhir/AuditEvent").status_code == 403
    record = last_record(engine).record
    assert record.subtype == "search-type" and record.outcome == 4
    assert "403" in (record.detail or "")


def test_a_transaction_records_one_event_per_entry_in_the_same_commit(physician: TestClient, engine: Engine) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:1f3c1c32-5a47-4b4c-9f3e-8f1f0f0a0a01",
                "resource": {"resourceType": "Patient"},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "Hémoglobine"},
                    "subject": {"reference": "urn:uuid:1f3c1c32-5a47-4b4c-9f3e-8f1f0f0a0a01"},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    assert physician.post("/fhir", json=bundle, headers=FHIR).status_code == 200
    with engine.connect() as conn:
        records = [e.record for e in search(conn, AuditFilter(subtype="create"), count=10).entries]
    assert len(records) == 2
    assert {r.resource_types()[0] for r in records} == {"Patient", "Observation"}


def test_a_read_whose_audit_record_cannot_be_written_returns_503_and_no_data(
    physician: TestClient, engine: Engine
) -> None:
    pid = physician.post(
        "/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": "Côté"}]}, headers=FHIR
    ).json()["id"]
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    try:
        response = physician.get(f"/fhir/Patient/{pid}")
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    assert response.status_code == 503
    assert "Côté" not in response.text and pid not in response.text
    assert response.json()["resourceType"] == "OperationOutcome"


def test_logins_failed_logins_and_token_issues_are_audited(client: TestClient, engine: Engine) -> None:
    from tests.security.support import (
        AuthRequest,
        add_app,
        add_patient_user,
        authorize,
        exchange,
        open_login,
        submit_login,
    )

    add_patient_user(client)
    add_app(client)
    request = AuthRequest(scope="openid fhirUser launch/patient patient/Observation.rs")
    page = open_login(client, request)
    submit_login(client, page.text, "marie", password="wrong password")
    with engine.connect() as conn:
        failed = search(conn, AuditFilter(subtype="login"), count=1).entries[0].record
    assert failed.outcome == 4 and failed.agent.network_address == "testclient"
    answer = authorize(client, request, "marie")
    tokens = exchange(client, request, answer["code"]).json()
    assert tokens["patient"] == "pat-marie"
    with engine.connect() as conn:
        login = search(conn, AuditFilter(subtype="login", outcome=0), count=1).entries[0].record
        token = search(conn, AuditFilter(subtype="token"), count=1).entries[0].record
    assert login.agent.role == "patient"
    assert token.agent.client_id == "app" and token.patient_ids == ("pat-marie",)
    assert "patient/Observation.rs" in (token.detail or "")
