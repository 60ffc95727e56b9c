"""Who accessed my record (patients) and the privacy officers' audit tools, over HTTP."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dsn.config import Settings
from dsn.store.security_schema import region
from tests.support.auth import bearer

FHIR = {"Content-Type": "application/fhir+json"}


def http(app: FastAPI, settings: Settings, **claims: object) -> TestClient:
    return TestClient(app, base_url="http://testserver", headers=bearer(settings, kind="user", **claims))


@pytest.fixture
def scene(client: TestClient, app: FastAPI, settings: Settings, engine: Engine) -> dict:
    with engine.begin() as conn:
        conn.execute(region.insert(), [{"code": "04", "name": "Mauricie", "live": True}])
    ids = {}
    for family in ("Bergeron", "Dubé"):
        ids[family] = client.post(
            "/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": family}]}, headers=FHIR
        ).json()["id"]
    nurse = http(
        app,
        settings,
        subject="u-nurse",
        display="Julie Roy",
        role="nurse",
        scopes=("user/*.cruds",),
        organization="org-chu",
        region="04",
        fhir_user="Practitioner/pr-roy",
    )
    assert nurse.get(f"/fhir/Patient/{ids['Bergeron']}").status_code == 200
    granted = nurse.post(
        f"/fhir/Patient/{ids['Bergeron']}/$break-the-glass",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "reason", "valueCode": "ETREAT"},
                {"name": "justification", "valueString": "Patient inconscient, allergies inconnues"},
            ],
        },
        headers=FHIR,
    )
    assert granted.status_code == 201, granted.text
    assert nurse.get(f"/fhir/Patient/{ids['Bergeron']}").status_code == 200
    patient = http(
        app, settings, subject="u-bergeron", role="patient", scopes=("patient/*.rs",), patients=(ids["Bergeron"],)
    )
    officer = http(
        app,
        settings,
        subject="u-dpo",
        display="Agente protection",
        role="privacy_officer",
        scopes=("user/*.rs",),
        region="04",
    )
    return {"ids": ids, "nurse": nurse, "patient": patient, "officer": officer}


def test_a_patient_sees_who_accessed_her_record_with_break_the_glass_marked(scene: dict) -> None:
    pid = scene["ids"]["Bergeron"]
    bundle = scene["patient"].get(f"/fhir/Patient/{pid}/$access-log").json()
    events = [e["resource"] for e in bundle["entry"]]
    by_nurse = [e for e in events if any(a.get("who", {}).get("display") == "Julie Roy" for a in e["agent"])]
    assert len(by_nurse) >= 3  # read, break-the-glass, read under the grant
    flagged = [
        e
        for e in by_nurse
        if any(
            c.get("code") == "BTG" for a in e["agent"] for p in a.get("purposeOfUse", []) for c in p.get("coding", [])
        )
    ]
    assert len(flagged) >= 2  # the grant and the read it covered


def test_a_patient_can_leave_out_her_own_visits_and_still_sees_everyone_elses(scene: dict) -> None:
    pid = scene["ids"]["Bergeron"]
    for _ in range(3):
        assert scene["patient"].get(f"/fhir/Patient/{pid}").status_code == 200

    def agents(query: str) -> list[str]:
        bundle = scene["patient"].get(f"/fhir/Patient/{pid}/$access-log{query}").json()
        return [
            a["who"]["identifier"]["value"]
            for e in bundle["entry"]
            for a in e["resource"]["agent"]
            if a.get("requestor")
        ]

    everyone = agents("")
    others = agents("?exclude-self=true")
    assert everyone.count("u-bergeron") >= 3
    assert "u-bergeron" not in others
    assert others == [a for a in everyone if a != "u-bergeron"]


def test_a_patient_cannot_read_someone_elses_access_log(scene: dict) -> None:
    other = scene["ids"]["Dubé"]
    assert scene["patient"].get(f"/fhir/Patient/{other}/$access-log").status_code == 404


def test_clinicians_cannot_read_the_audit_log(scene: dict) -> None:
    assert scene["nurse"].get("/fhir/AuditEvent").status_code == 403
    assert scene["nurse"].get(f"/fhir/Patient/{scene['ids']['Bergeron']}/$access-log").status_code == 403


def test_privacy_officer_searches_exports_and_reviews(scene: dict) -> None:
    officer, pid = scene["officer"], scene["ids"]["Bergeron"]
    by_user = officer.get("/fhir/AuditEvent", params={"agent": "u-nurse"}).json()
    assert by_user["entry"] and all(
        any(
            a.get("who", {}).get("identifier", {}).get("value") == "u-nurse"
            or a.get("who", {}).get("display") == "Julie Roy"
            for a in e["resource"]["agent"]
        )
        for e in by_user["entry"]
    )
    by_patient = officer.get("/fhir/AuditEvent", params={"patient": pid, "date": "ge2020-01-01"}).json()
    assert len(by_patient["entry"]) >= 3
    assert officer.get("/fhir/AuditEvent", params={"date": "ge2999-01-01"}).json().get("entry") is None
    csv = officer.get("/fhir/AuditEvent/$export-csv", params={"patient": pid})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) >= 4  # header + rows
    queue = officer.get("/fhir/AuditEvent/$break-glass-queue").json()
    seqs = [int(e["resource"]["id"]) for e in queue["entry"]]
    assert seqs
    for seq in seqs:
        decided = officer.post(
            f"/fhir/AuditEvent/{seq}/$review",
            json={
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "decision", "valueCode": "justified"},
                    {"name": "comment", "valueString": "Urgence confirmée"},
                ],
            },
            headers=FHIR,
        )
        assert decided.status_code == 200, decided.text
    assert officer.get("/fhir/AuditEvent/$break-glass-queue").json().get("entry") is None
    reviews = officer.get("/fhir/AuditEvent", params={"subtype": "review"}).json()
    assert len(reviews["entry"]) == len(seqs)  # every review is itself audited
