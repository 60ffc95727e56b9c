"""Property: no malformed or invalid body is ever stored, and each gets a 4xx OperationOutcome.

Hypothesis generates at least 1,000 bad bodies per database (broken JSON, non-objects,
unknown types and elements, wrong JSON types, bad primitives, empty values, invalid
codes), sends them as create, update, or inside a transaction next to a valid entry,
and checks the answer and that the database did not change by a single row.
"""

from __future__ import annotations

import json
import string
import uuid

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from dsn.store.schema import INDEX_TABLES, resource, resource_version

FHIR = {"Content-Type": "application/fhir+json"}

VALID_PATIENT = {
    "resourceType": "Patient",
    "name": [{"family": "Gagnon", "given": ["Léa"]}],
    "gender": "female",
    "birthDate": "1990-05-17",
}
VALID_OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
    "valueQuantity": {"value": 13.2, "unit": "g/dL"},
    "effectiveDateTime": "2024-02-01T08:30:00-05:00",
}

bad_scalars = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.just(""),
    st.just([]),
    st.just({}),
    st.lists(st.integers(), min_size=1, max_size=3),
    st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=5), st.integers(), min_size=1, max_size=2),
)
bad_dates = st.sampled_from(
    ["1990-13-01", "1990-02-30", "90-05-17", "1990/05/17", "1990-5-17", "tomorrow", "1990-05-17T25:00:00Z", " 1990"]
)


def dumps(value: object) -> bytes:
    """Standard-library JSON: it writes integers of any size, which clients may send."""
    return json.dumps(value, ensure_ascii=False).encode()


@st.composite
def invalid_resources(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 8))
    if kind == 0:
        # Bytes that are not JSON, alone or as the entries of a Bundle (mode 3 wraps them
        # in ``"entry":[...]``: whitespace alone would make a valid, empty transaction).
        raw = draw(st.binary(min_size=1, max_size=60))
        for candidate in (raw, b"[" + raw + b"]"):
            try:
                orjson.loads(candidate)
            except orjson.JSONDecodeError:
                continue
            return b"{" + raw
        return raw
    if kind == 1:
        return dumps(draw(st.one_of(st.integers(), st.text(max_size=10), st.lists(st.integers()), st.none())))
    if kind == 2:
        body = dict(VALID_PATIENT)
        body["resourceType"] = draw(st.sampled_from(["", "Patients", "patient", "Foo", 7, None]))
        return dumps(body)
    base = dict(draw(st.sampled_from([VALID_PATIENT, VALID_OBSERVATION])))
    if kind == 3:
        base["zz" + draw(st.text(string.ascii_letters, min_size=1, max_size=8))] = draw(st.text(max_size=5))
    elif kind == 4 and base["resourceType"] == "Patient":
        base["birthDate"] = draw(st.one_of(bad_dates, bad_scalars))
    elif kind == 4:
        base["effectiveDateTime"] = draw(st.one_of(bad_dates, bad_scalars))
    elif kind == 5 and base["resourceType"] == "Patient":
        base["gender"] = draw(st.one_of(st.sampled_from(["F", "femme", "Female", " female"]), bad_scalars))
    elif kind == 5:
        base["status"] = draw(st.one_of(st.sampled_from(["done", "FINAL", "final "]), bad_scalars))
    elif kind == 6:
        key = "name" if base["resourceType"] == "Patient" else "code"
        base[key] = draw(st.one_of(st.just(""), st.just([]), st.just({}), st.none(), st.integers(), st.just("text")))
    elif kind == 7:
        base["id"] = draw(st.sampled_from(["", "has space", "x" * 65, "bad/slash", "é"]))
        base["meta"] = draw(st.sampled_from([{"versionId": 5}, {"lastUpdated": "yesterday"}, "meta", []]))
    else:
        base["valueQuantity" if base["resourceType"] == "Observation" else "active"] = draw(
            st.sampled_from([{"value": "13.2"}, "true", {"value": 1, "comparator": "=="}, 1])
        )
    return dumps(base)


def snapshot(engine: Engine) -> tuple:
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (resource, resource_version, *INDEX_TABLES.values())
        )
        bodies = tuple(conn.execute(select(resource.c.body).order_by(resource.c.pk)).scalars())
    return counts, bodies


def send(client: TestClient, mode: int, body: bytes, existing_id: str):
    if mode == 0:
        return client.post("/fhir/Patient", content=body, headers=FHIR)
    if mode == 1:
        return client.put(f"/fhir/Patient/{existing_id}", content=body, headers=FHIR)
    if mode == 2:
        return client.post("/fhir/Observation", content=body, headers=FHIR)
    try:
        resource_json = orjson.loads(body)
    except orjson.JSONDecodeError:
        return client.post(
            "/fhir", content=b'{"resourceType":"Bundle","type":"transaction","entry":[' + body + b"]}", headers=FHIR
        )
    res_type = resource_json.get("resourceType") if isinstance(resource_json, dict) else None
    url = res_type if isinstance(res_type, str) and res_type.isalpha() else "Patient"
    transaction = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": VALID_PATIENT,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": resource_json,
                "request": {"method": "POST", "url": url},
            },
        ],
    }
    return client.post("/fhir", content=orjson.dumps(transaction), headers=FHIR)


@pytest.mark.slow
def test_invalid_bodies_get_4xx_outcomes_and_change_nothing(client: TestClient, engine: Engine) -> None:
    existing = client.post("/fhir/Patient", json=VALID_PATIENT, headers=FHIR).json()
    before = snapshot(engine)
    seen = {"count": 0}

    @settings(
        max_examples=1000,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(body=invalid_resources(), mode=st.integers(0, 3))
    def check(body: bytes, mode: int) -> None:
        seen["count"] += 1
        response = send(client, mode, body, existing["id"])
        assert 400 <= response.status_code < 500, (response.status_code, body, response.text)
        assert response.json()["resourceType"] == "OperationOutcome"
        issue = response.json()["issue"][0]
        assert issue["diagnostics"]

    check()
    assert seen["count"] >= 1000
    assert snapshot(engine) == before
