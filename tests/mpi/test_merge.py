"""Patient/$merge and $unmerge: searches, $everything and the audit log before and after."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dsn.audit.query import AuditFilter, search

FHIR = {"Content-Type": "application/fhir+json"}


def params(**refs: str) -> dict:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": name, "valueReference": {"reference": ref}} for name, ref in refs.items()],
    }


def setup_two_records(client: TestClient) -> tuple[dict, dict, str, str]:
    source = client.post(
        "/fhir/Patient",
        json={
            "resourceType": "Patient",
            "active": True,
            "name": [{"family": "Ouellet", "given": ["Rémi"]}],
            "birthDate": "1961-07-02",
        },
        headers=FHIR,
    ).json()
    target = client.post(
        "/fhir/Patient",
        json={
            "resourceType": "Patient",
            "name": [{"family": "Ouellette", "given": ["Remi"]}],
            "birthDate": "1961-02-07",
        },
        headers=FHIR,
    ).json()
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
    }
    on_source = client.post(
        "/fhir/Observation", json={**obs, "subject": {"reference": f"Patient/{source['id']}"}}, headers=FHIR
    ).json()["id"]
    on_target = client.post(
        "/fhir/Observation", json={**obs, "subject": {"reference": f"Patient/{target['id']}"}}, headers=FHIR
    ).json()["id"]
    return source, target, on_source, on_target


def observation_ids(client: TestClient, patient: str) -> set[str]:
    bundle = client.get("/fhir/Observation", params={"subject": f"Patient/{patient}"}).json()
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def everything_ids(client: TestClient, patient: str) -> set[str]:
    bundle = client.get(f"/fhir/Patient/{patient}/$everything").json()
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def strip(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "meta"}


def test_merge_then_unmerge(client: TestClient, engine: Engine) -> None:
    source, target, on_source, on_target = setup_two_records(client)
    assert observation_ids(client, target["id"]) == {on_target}
    merged = client.post(
        "/fhir/Patient/$merge",
        json=params(**{"source-patient": f"Patient/{source['id']}", "target-patient": f"Patient/{target['id']}"}),
        headers=FHIR,
    )
    assert merged.status_code == 200, merged.text
    after_source = client.get(f"/fhir/Patient/{source['id']}").json()
    assert after_source["active"] is False
    assert after_source["link"] == [{"other": {"reference": f"Patient/{target['id']}"}, "type": "replaced-by"}]
    assert observation_ids(client, target["id"]) == {on_source, on_target}
    for params_ in ({"patient": target["id"]}, {"subject": target["id"]}, {"patient": f"Patient/{target['id']}"}):
        found = client.get("/fhir/Observation", params=params_).json()
        assert {e["resource"]["id"] for e in found.get("entry", [])} == {on_source, on_target}, params_
    assert {source["id"], on_source, on_target} <= everything_ids(client, target["id"])
    with engine.connect() as conn:
        merge_record = search(conn, AuditFilter(subtype="merge"), count=1).entries[0].record
        assert set(merge_record.patient_ids) == {source["id"], target["id"]}
    again = client.post(
        "/fhir/Patient/$merge",
        json=params(**{"source-patient": f"Patient/{source['id']}", "target-patient": f"Patient/{target['id']}"}),
        headers=FHIR,
    )
    assert again.status_code == 409

    undone = client.post(
        "/fhir/Patient/$unmerge", json=params(**{"source-patient": f"Patient/{source['id']}"}), headers=FHIR
    )
    assert undone.status_code == 200, undone.text
    assert strip(client.get(f"/fhir/Patient/{source['id']}").json()) == strip(source)
    assert strip(client.get(f"/fhir/Patient/{target['id']}").json()) == strip(target)
    assert observation_ids(client, target["id"]) == {on_target}
    assert on_source not in everything_ids(client, target["id"])
    with engine.connect() as conn:
        assert search(conn, AuditFilter(subtype="unmerge"), count=1).entries


def test_merge_refuses_self_and_unknown_patients(client: TestClient) -> None:
    source, _target, _a, _b = setup_two_records(client)
    same = params(**{"source-patient": f"Patient/{source['id']}", "target-patient": f"Patient/{source['id']}"})
    assert client.post("/fhir/Patient/$merge", json=same, headers=FHIR).status_code == 400
    unknown = params(**{"source-patient": f"Patient/{source['id']}", "target-patient": "Patient/nobody"})
    assert client.post("/fhir/Patient/$merge", json=unknown, headers=FHIR).status_code == 404
    assert (
        client.post(
            "/fhir/Patient/$unmerge", json=params(**{"source-patient": f"Patient/{source['id']}"}), headers=FHIR
        ).status_code
        == 404
    )


def test_a_merge_never_carries_the_source_patients_refusal_away(client: TestClient, app, settings, engine) -> None:
    """The source patient refused sharing: after merging into another record, a clinician
    searching the target still sees none of the source's data."""
    from dsn.store.security_schema import region
    from tests.support.auth import bearer

    with engine.begin() as conn:
        conn.execute(region.insert().values(code="04", name="Mauricie", live=True))
    source, target, on_source, on_target = setup_two_records(client)
    consent = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{source['id']}"},
        "provision": {"type": "deny"},
    }
    assert client.post("/fhir/Consent", json=consent, headers=FHIR).status_code == 201
    merge_body = params(**{"source-patient": f"Patient/{source['id']}", "target-patient": f"Patient/{target['id']}"})
    assert client.post("/fhir/Patient/$merge", json=merge_body, headers=FHIR).status_code == 200
    nurse = TestClient(
        app,
        base_url="http://testserver",
        headers=bearer(
            settings, kind="user", subject="n1", role="nurse", scopes=("user/*.rs",), region="04", organization="o1"
        ),
    )
    seen = nurse.get("/fhir/Observation", params={"subject": f"Patient/{target['id']}", "_total": "accurate"}).json()
    assert {e["resource"]["id"] for e in seen.get("entry", [])} == {on_target}
    assert seen["total"] == 1
    everything = nurse.get(f"/fhir/Patient/{target['id']}/$everything").json()
    assert on_source not in {e["resource"]["id"] for e in everything.get("entry", [])}
