"""Create, read, update, vread, delete and their headers, through the HTTP API."""

from __future__ import annotations

from fastapi.testclient import TestClient

FHIR = "application/fhir+json"


def patient(**extra: object) -> dict:
    return {
        "resourceType": "Patient",
        "name": [{"family": "Bélanger", "given": ["Marie-Ève"]}],
        "gender": "female",
        "birthDate": "1984-03-12",
        **extra,
    }


def post(client: TestClient, path: str, body: object, **headers: str):
    return client.post(f"/fhir/{path}", json=body, headers={"Content-Type": FHIR, **headers})


def put(client: TestClient, path: str, body: object, **headers: str):
    return client.put(f"/fhir/{path}", json=body, headers={"Content-Type": FHIR, **headers})


def test_create_assigns_id_and_returns_201_with_location_etag_and_last_modified(client: TestClient) -> None:
    response = post(client, "Patient", patient(id="client-chosen"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] != "client-chosen"
    assert body["meta"]["versionId"] == "1"
    assert response.headers["ETag"] == 'W/"1"'
    assert response.headers["Location"].endswith(f"/fhir/Patient/{body['id']}/_history/1")
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["Content-Type"].startswith(FHIR)
    assert response.headers["X-Request-ID"]


def test_read_returns_what_was_stored_with_version_headers(client: TestClient) -> None:
    created = post(client, "Patient", patient()).json()
    response = client.get(f"/fhir/Patient/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["ETag"] == 'W/"1"'


def test_update_creates_a_new_version_and_vread_returns_each(client: TestClient) -> None:
    created = post(client, "Patient", patient()).json()
    changed = {**created, "gender": "other"}
    response = put(client, f"Patient/{created['id']}", changed)
    assert response.status_code == 200
    assert response.json()["meta"]["versionId"] == "2"
    v1 = client.get(f"/fhir/Patient/{created['id']}/_history/1").json()
    v2 = client.get(f"/fhir/Patient/{created['id']}/_history/2").json()
    assert v1["gender"] == "female"
    assert v2["gender"] == "other"
    assert client.get(f"/fhir/Patient/{created['id']}/_history/3").status_code == 404


def test_update_with_unknown_client_id_creates_the_resource(client: TestClient) -> None:
    response = put(client, "Patient/nam-belm84531299", patient(id="nam-belm84531299"))
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/Patient/nam-belm84531299/_history/1")
    assert client.get("/fhir/Patient/nam-belm84531299").status_code == 200


def test_update_with_id_mismatch_is_rejected_and_nothing_changes(client: TestClient) -> None:
    created = post(client, "Patient", patient()).json()
    response = put(client, f"Patient/{created['id']}", {**created, "id": "other"})
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Patient/{created['id']}").json() == created


def test_if_match_with_stale_version_answers_412(client: TestClient) -> None:
    created = post(client, "Patient", patient()).json()
    ok = put(client, f"Patient/{created['id']}", {**created, "gender": "male"}, **{"If-Match": 'W/"1"'})
    assert ok.status_code == 200
    stale = put(client, f"Patient/{created['id']}", {**created, "gender": "other"}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert client.get(f"/fhir/Patient/{created['id']}").json()["gender"] == "male"


def test_delete_then_read_answers_410_and_history_keeps_every_version(client: TestClient) -> None:
    created = post(client, "Patient", patient()).json()
    assert client.delete(f"/fhir/Patient/{created['id']}").status_code == 204
    gone = client.get(f"/fhir/Patient/{created['id']}")
    assert gone.status_code == 410
    assert gone.json()["issue"][0]["code"] == "deleted"
    history = client.get(f"/fhir/Patient/{created['id']}/_history").json()
    assert history["type"] == "history"
    assert [e["response"]["etag"] for e in history["entry"]] == ['W/"2"', 'W/"1"']
    assert "resource" not in history["entry"][0]
    assert client.get(f"/fhir/Patient/{created['id']}/_history/2").status_code == 410
    assert client.get(f"/fhir/Patient/{created['id']}/_history/1").status_code == 200
    # Deleting again is a no-op, not an error.
    assert client.delete(f"/fhir/Patient/{created['id']}").status_code == 204


def test_read_of_unknown_resource_answers_404_operation_outcome(client: TestClient) -> None:
    response = client.get("/fhir/Patient/does-not-exist")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_unknown_resource_type_answers_404(client: TestClient) -> None:
    response = client.get("/fhir/Patientt/1")
    assert response.status_code == 404
    assert "Patientt" in response.json()["issue"][0]["diagnostics"]


def test_prefer_return_minimal_sends_no_body(client: TestClient) -> None:
    response = post(client, "Patient", patient(), Prefer="return=minimal")
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["Location"]


def test_prefer_return_operation_outcome(client: TestClient) -> None:
    response = post(client, "Patient", patient(), Prefer="return=OperationOutcome")
    assert response.status_code == 201
    assert response.json()["resourceType"] == "OperationOutcome"


def test_patch_applies_json_patch_and_validates_the_result(client: TestClient) -> None:
    created = post(client, "Patient", patient()).json()
    ops = [{"op": "replace", "path": "/gender", "value": "male"}]
    response = client.patch(
        f"/fhir/Patient/{created['id']}", json=ops, headers={"Content-Type": "application/json-patch+json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["gender"] == "male"
    assert response.json()["meta"]["versionId"] == "2"
    bad = [{"op": "replace", "path": "/gender", "value": "robot"}]
    rejected = client.patch(
        f"/fhir/Patient/{created['id']}", json=bad, headers={"Content-Type": "application/json-patch+json"}
    )
    assert rejected.status_code in (400, 422)
    assert client.get(f"/fhir/Patient/{created['id']}").json()["gender"] == "male"


def test_conditional_create_returns_the_existing_match(client: TestClient) -> None:
    ident = {"system": "https://dsn.quebec/nam", "value": "BELM84531299"}
    first = post(client, "Patient", patient(identifier=[ident]))
    assert first.status_code == 201
    criteria = "identifier=https://dsn.quebec/nam|BELM84531299"
    second = post(client, "Patient", patient(identifier=[ident]), **{"If-None-Exist": criteria})
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    total = client.get("/fhir/Patient", params={"identifier": "BELM84531299", "_total": "accurate"}).json()["total"]
    assert total == 1


def test_conditional_update_and_delete_by_identifier(client: TestClient) -> None:
    ident = {"system": "https://dsn.quebec/nam", "value": "TREJ90010199"}
    created = put(client, "Patient?identifier=https://dsn.quebec/nam|TREJ90010199", patient(identifier=[ident]))
    assert created.status_code == 201
    res_id = created.json()["id"]
    updated = put(
        client,
        "Patient?identifier=https://dsn.quebec/nam|TREJ90010199",
        patient(identifier=[ident], gender="male"),
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == res_id
    assert client.delete("/fhir/Patient?identifier=https://dsn.quebec/nam|TREJ90010199").status_code == 204
    assert client.get(f"/fhir/Patient/{res_id}").status_code == 410


def test_conditional_operation_with_several_matches_answers_412(client: TestClient) -> None:
    for _ in range(2):
        post(client, "Patient", patient(identifier=[{"system": "urn:x", "value": "dup"}]))
    response = client.delete("/fhir/Patient?identifier=urn:x|dup")
    assert response.status_code == 412
