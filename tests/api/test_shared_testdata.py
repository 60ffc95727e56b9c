"""The official R4 examples and the Synthea bundles go in and come back out unchanged."""

from __future__ import annotations

import collections
import json

import pytest
from fastapi.testclient import TestClient
from tests.conftest import shared_path
from tests.support.known_invalid_examples import KNOWN_INVALID_EXAMPLES

FHIR = {"Content-Type": "application/fhir+json"}


def without_meta(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "meta"}


@pytest.mark.slow
def test_valid_r4_examples_are_accepted_and_read_back_unchanged_apart_from_meta(client: TestClient) -> None:
    folder = shared_path("testdata", "r4-examples")
    checked = 0
    for path in sorted(folder.glob("*.json")):
        if path.name in KNOWN_INVALID_EXAMPLES:
            continue
        example = json.loads(path.read_text())
        res_type, res_id = example["resourceType"], example.get("id")
        if res_id:
            response = client.put(f"/fhir/{res_type}/{res_id}", content=path.read_bytes(), headers=FHIR)
        else:
            response = client.post(f"/fhir/{res_type}", content=path.read_bytes(), headers=FHIR)
        assert response.status_code in (200, 201), (path.name, response.text[:500])
        stored_id = response.json()["id"]
        read = client.get(f"/fhir/{res_type}/{stored_id}")
        assert read.status_code == 200
        expected = without_meta(example) | {"id": stored_id}
        assert without_meta(read.json()) == expected, path.name
        checked += 1
    assert checked >= 700


def test_known_invalid_examples_are_rejected_and_not_stored(client: TestClient) -> None:
    folder = shared_path("testdata", "r4-examples")
    for name in KNOWN_INVALID_EXAMPLES:
        if name == "package.json":
            continue
        example = json.loads((folder / name).read_text())
        response = client.put(f"/fhir/{example['resourceType']}/{example['id']}", json=example, headers=FHIR)
        assert response.status_code in (400, 422), name
        assert client.get(f"/fhir/{example['resourceType']}/{example['id']}").status_code == 404


@pytest.mark.slow
def test_synthea_bundles_load_as_transactions_and_counts_match(client: TestClient) -> None:
    folder = shared_path("testdata", "synthea")
    expected: collections.Counter[str] = collections.Counter()
    # Organizations and practitioners first, as a real feed would send them.
    paths = sorted(folder.glob("*.json"), key=lambda p: (not p.name[0].islower(), p.name))
    for path in paths:
        bundle = json.loads(path.read_text())
        expected.update(entry["resource"]["resourceType"] for entry in bundle["entry"])
        response = client.post("/fhir", content=path.read_bytes(), headers=FHIR)
        assert response.status_code == 200, (path.name, response.text[:800])
        statuses = {e["response"]["status"] for e in response.json()["entry"]}
        assert statuses == {"201 Created"}
    for res_type, count in expected.items():
        found = client.get(f"/fhir/{res_type}", params={"_total": "accurate", "_count": "0"}).json()["total"]
        assert found == count, res_type
