"""Date search: prefixes over implicit ranges (precision of both values), Periods, Timing, _lastUpdated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.search.support import STRICT, create, found, get, observation, patient


@pytest.fixture
def births(client: TestClient) -> dict[str, str]:
    return {
        "1983-06-01": create(client, patient(birthDate="1983-06-01")),
        "1984": create(client, patient(birthDate="1984")),
        "1984-03": create(client, patient(birthDate="1984-03")),
        "1984-03-12": create(client, patient(birthDate="1984-03-12")),
        "1985-01-01": create(client, patient(birthDate="1985-01-01")),
        "none": create(client, patient(gender="unknown")),
    }


def _born(births: dict[str, str], *keys: str) -> set[str]:
    return {births[key] for key in keys}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1984", ("1984", "1984-03", "1984-03-12")),
        ("eq1984", ("1984", "1984-03", "1984-03-12")),
        ("1984-03", ("1984-03", "1984-03-12")),
        ("1984-03-12", ("1984-03-12",)),
        ("1984-03-12T10:00:00Z", ()),
        ("ne1984-03", ("1983-06-01", "1984", "1985-01-01")),
        ("gt1984-03", ("1984", "1985-01-01")),
        ("lt1984-03", ("1983-06-01", "1984")),
        ("ge1984-03", ("1984", "1984-03", "1984-03-12", "1985-01-01")),
        ("le1984-03", ("1983-06-01", "1984", "1984-03", "1984-03-12")),
        ("sa1984-03", ("1985-01-01",)),
        ("eb1984-03", ("1983-06-01",)),
        ("sa1984", ("1985-01-01",)),
        ("eb1984", ("1983-06-01",)),
        ("gt1984-03-12", ("1984", "1984-03", "1985-01-01")),
        ("lt1984-03-12", ("1983-06-01", "1984", "1984-03")),
    ],
)
def test_date_prefixes_compare_implicit_ranges(
    client: TestClient, births: dict[str, str], value: str, expected: tuple[str, ...]
) -> None:
    assert found(client, "Patient", {"birthdate": value}) == _born(births, *expected)


def test_date_ap_uses_a_margin_of_a_tenth_of_the_distance_to_now(client: TestClient) -> None:
    today = datetime.now(UTC).date()
    recent = create(client, observation(effectiveDateTime=today.isoformat()))
    last_month = create(client, observation(effectiveDateTime=(today - timedelta(days=40)).isoformat()))
    long_ago = create(client, observation(effectiveDateTime="1990-01-01"))
    assert found(client, "Observation", {"date": f"ap{today.isoformat()}"}) == {recent}
    assert found(client, "Observation", {"date": "ap1991-01-01"}) == {long_ago}
    assert last_month not in found(client, "Observation", {"date": "ap1991-01-01"})


def test_date_ranges_and_or(client: TestClient, births: dict[str, str]) -> None:
    between = found(client, "Patient", [("birthdate", "ge1984-01-01"), ("birthdate", "lt1985-01-01")])
    assert between == _born(births, "1984", "1984-03", "1984-03-12")
    either = found(client, "Patient", {"birthdate": "1983,1985"})
    assert either == _born(births, "1983-06-01", "1985-01-01")
    mixed = found(client, "Patient", {"birthdate": "eb1984,1984-03-12"})
    assert mixed == _born(births, "1983-06-01", "1984-03-12")
    not_or = found(client, "Patient", {"birthdate": "ne1984,1984-03-12"})
    assert not_or == _born(births, "1983-06-01", "1985-01-01", "1984-03-12")


def test_date_missing(client: TestClient, births: dict[str, str]) -> None:
    assert found(client, "Patient", {"birthdate:missing": "true"}) == {births["none"]}
    assert found(client, "Patient", {"birthdate:missing": "false"}) == set(births.values()) - {births["none"]}


@pytest.fixture
def effective(client: TestClient) -> dict[str, str]:
    return {
        "january": create(client, observation(effectivePeriod={"start": "2020-01-01", "end": "2020-01-31"})),
        "open-end": create(client, observation(effectivePeriod={"start": "2020-01-15"})),
        "open-start": create(client, observation(effectivePeriod={"end": "2019-12-31"})),
        "timing": create(client, observation(effectiveTiming={"event": ["2020-06-01T10:00:00Z"]})),
        "instant": create(client, observation(effectiveInstant="2020-01-20T08:30:00.000Z")),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-01", ("january", "instant")),
        ("2020", ("january", "timing", "instant")),
        ("ge2020-01-10", ("january", "open-end", "timing", "instant")),
        ("lt2020-01-01", ("open-start",)),
        ("sa2019-12-31", ("january", "open-end", "timing", "instant")),
        ("eb2020-01-01", ("open-start",)),
        ("2020-06-01", ("timing",)),
        ("gt2030", ("open-end",)),
        ("lt1900", ("open-start",)),
        ("2020-01-20T03:30:00-05:00", ("instant",)),
        ("2020-01-20T09:30:00+01:00", ("instant",)),
        ("2020-01-20T08:30Z", ("instant",)),
        ("2020-01-20T08:31:00Z", ()),
    ],
)
def test_date_on_periods_timings_and_instants(
    client: TestClient, effective: dict[str, str], value: str, expected: tuple[str, ...]
) -> None:
    assert found(client, "Observation", {"date": value}) == {effective[key] for key in expected}


def test_last_updated(client: TestClient) -> None:
    first = client.post("/fhir/Patient", json=patient(), headers={"Content-Type": "application/fhir+json"}).json()
    second = create(client, patient())
    stamp = first["meta"]["lastUpdated"]
    assert found(client, "Patient", {"_lastUpdated": f"le{stamp}"}) == {first["id"]}
    assert found(client, "Patient", {"_lastUpdated": f"gt{stamp}"}) == {second}
    assert found(client, "Patient", {"_lastUpdated": stamp}) == {first["id"]}
    assert found(client, "Patient", {"_lastUpdated": "gt2000-01-01"}) == {first["id"], second}
    assert found(client, "Patient", {"_lastUpdated": "lt2000-01-01"}) == set()


@pytest.mark.parametrize("value", ["2020-13", "2020-02-30", "ge20200101", "xx2020", "2020-01-01T25:00:00Z"])
def test_date_malformed_value_is_rejected_under_strict_handling(client: TestClient, value: str) -> None:
    response = get(client, "Patient", {"birthdate": value}, **STRICT)
    assert response.status_code == 400, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
