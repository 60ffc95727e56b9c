"""Every R4 resource type supports create, read, update, vread, history and delete."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.support.minimal_resources import minimal_instance

from dsn.fhir.definitions import resource_types

FHIR = {"Content-Type": "application/fhir+json"}
ALL_TYPES = sorted(resource_types())


def test_every_r4_resource_type_is_covered() -> None:
    assert len(ALL_TYPES) >= 145
    assert {"Patient", "Observation", "Bundle", "Parameters", "Binary"} <= set(ALL_TYPES)


@pytest.mark.parametrize("res_type", ALL_TYPES)
def test_minimal_instance_round_trip(client: TestClient, res_type: str) -> None:
    body = minimal_instance(res_type)
    created = client.post(f"/fhir/{res_type}", json=body, headers=FHIR)
    assert created.status_code == 201, created.text
    res_id = created.json()["id"]
    read = client.get(f"/fhir/{res_type}/{res_id}")
    assert read.status_code == 200
    assert {k: v for k, v in read.json().items() if k not in ("id", "meta")} == body
    updated_body = {**read.json(), "language": "fr-CA"}
    updated = client.put(f"/fhir/{res_type}/{res_id}", json=updated_body, headers=FHIR)
    assert updated.status_code == 200, updated.text
    assert updated.json()["meta"]["versionId"] == "2"
    assert client.get(f"/fhir/{res_type}/{res_id}/_history/1").json()["meta"]["versionId"] == "1"
    history = client.get(f"/fhir/{res_type}/{res_id}/_history").json()
    assert history["total"] == 2
    assert client.delete(f"/fhir/{res_type}/{res_id}").status_code == 204
    assert client.get(f"/fhir/{res_type}/{res_id}").status_code == 410
    assert client.get(f"/fhir/{res_type}/{res_id}/_history").json()["total"] == 3
