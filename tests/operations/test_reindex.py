"""`dsn reindex` rebuilds indexes, resumes, and makes posted SearchParameters searchable."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select

from dsn.store.reindex import reindex
from dsn.store.schema import idx_string, reindex_job

FHIR = {"Content-Type": "application/fhir+json"}

MOTHERS_MAIDEN_NAME = {
    "resourceType": "SearchParameter",
    "url": "https://dsn.quebec/fhir/SearchParameter/patient-mothers-maiden-name",
    "name": "mothersMaidenName",
    "status": "active",
    "description": "Mother's maiden name",
    "code": "mothers-maiden-name",
    "base": ["Patient"],
    "type": "string",
    "expression": "Patient.extension.where(url='http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName').value",
}


def patient_with_maiden_name(name: str) -> dict:
    return {
        "resourceType": "Patient",
        "name": [{"family": "Lavoie"}],
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName", "valueString": name}
        ],
    }


def test_posted_search_parameter_becomes_searchable_after_reindex(client: TestClient, engine: Engine) -> None:
    client.post("/fhir/Patient", json=patient_with_maiden_name("Bélanger"), headers=FHIR)
    assert client.post("/fhir/SearchParameter", json=MOTHERS_MAIDEN_NAME, headers=FHIR).status_code == 201
    strict = {"Prefer": "handling=strict"}
    before = client.get("/fhir/Patient", params={"mothers-maiden-name": "belanger"}, headers=strict)
    assert before.status_code == 400  # not live yet: unknown parameter
    report = reindex(engine)
    assert report.custom_parameters == [MOTHERS_MAIDEN_NAME["url"]]
    client.app.state.service.registries.refresh()
    found = client.get("/fhir/Patient", params={"mothers-maiden-name": "belanger"}, headers=strict).json()
    assert found["total"] == 1
    # New writes are indexed for it too.
    client.post("/fhir/Patient", json=patient_with_maiden_name("Bergeron"), headers=FHIR)
    assert client.get("/fhir/Patient", params={"mothers-maiden-name": "berg"}).json()["total"] == 1


def test_invalid_search_parameter_is_refused(client: TestClient) -> None:
    broken = {**MOTHERS_MAIDEN_NAME, "expression": "Patient.extension.where(url=)"}
    response = client.post("/fhir/SearchParameter", json=broken, headers=FHIR)
    assert response.status_code == 422
    assert "SearchParameter" in response.json()["issue"][0]["diagnostics"]


def test_reindex_restores_lost_index_rows_and_resumes(client: TestClient, engine: Engine) -> None:
    for family in ("Gagnon", "Gagné", "Roy"):
        client.post("/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": family}]}, headers=FHIR)
    with engine.begin() as conn:
        conn.execute(delete(idx_string))
    assert client.get("/fhir/Patient", params={"name": "gagn"}).json()["total"] == 0
    report = reindex(engine, res_type="Patient", batch_size=1)
    assert report.resources == 3
    assert client.get("/fhir/Patient", params={"name": "gagn"}).json()["total"] == 2
    # An interrupted run (progress recorded after the second resource) resumes there.
    with engine.begin() as conn:
        second = conn.execute(
            select(func.min(idx_string.c.resource_pk)).where(idx_string.c.value_norm == "gagne")
        ).scalar()
        conn.execute(
            reindex_job.update().where(reindex_job.c.name == "reindex:Patient").values(done=False, last_pk=second)
        )
    resumed = reindex(engine, res_type="Patient")
    assert resumed.resumed_from == second
    assert resumed.resources == 1


def test_reindex_command_reports_progress_and_count(client: TestClient, settings, monkeypatch) -> None:
    from typer.testing import CliRunner

    from dsn.cli import app
    from dsn.config import get_settings

    client.post("/fhir/Patient", json={"resourceType": "Patient", "name": [{"family": "Ouellet"}]}, headers=FHIR)
    monkeypatch.setenv("DSN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("DSN_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["reindex", "--type", "Patient", "--restart"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "reindexed 1 resources" in result.output
