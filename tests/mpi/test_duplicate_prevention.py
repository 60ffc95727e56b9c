"""A new Patient that certainly matches an existing one is refused (or linked, by setting)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dsn.api.app import create_app
from dsn.config import Settings
from dsn.mpi.nam import NAM_SYSTEM
from tests.support.auth import bearer

FHIR = {"Content-Type": "application/fhir+json"}
NATHALIE = {
    "resourceType": "Patient",
    "identifier": [{"system": NAM_SYSTEM, "value": "TREN75531412"}],
    "name": [{"use": "official", "family": "Tremblay", "given": ["Nathalie"]}],
    "gender": "female",
    "birthDate": "1975-03-14",
    "address": [{"postalCode": "H2X 1Y4"}],
}
SYLVIE = {  # her twin sister: same family name, birth date and address, another NAM
    **NATHALIE,
    "identifier": [{"system": NAM_SYSTEM, "value": "TRES75531418"}],
    "name": [{"use": "official", "family": "Tremblay", "given": ["Sylvie"]}],
}


def test_a_certain_duplicate_is_refused_and_names_the_existing_record(client: TestClient) -> None:
    first = client.post("/fhir/Patient", json=NATHALIE, headers=FHIR)
    assert first.status_code == 201
    again = client.post("/fhir/Patient", json=NATHALIE, headers=FHIR)
    assert again.status_code == 409
    assert f"Patient/{first.json()['id']}" in again.json()["issue"][0]["diagnostics"]
    assert client.post("/fhir/Patient", json=SYLVIE, headers=FHIR).status_code == 201  # not the same person
    assert client.get("/fhir/Patient", params={"family": "tremblay", "_total": "accurate"}).json()["total"] == 2


def test_with_the_link_setting_the_duplicate_is_stored_and_linked(settings: Settings) -> None:
    linking = settings.model_copy(update={"mpi_certain_duplicate": "link"})
    app = create_app(linking, migrate=False)
    http = TestClient(app, base_url="http://testserver", headers=bearer(linking))
    first = http.post("/fhir/Patient", json=NATHALIE, headers=FHIR).json()
    second = http.post("/fhir/Patient", json=NATHALIE, headers=FHIR)
    assert second.status_code == 201
    assert second.json()["link"] == [{"other": {"reference": f"Patient/{first['id']}"}, "type": "seealso"}]
    app.state.service.close()
    app.state.engine.dispose()
