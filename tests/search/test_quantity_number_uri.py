"""Quantity, number and uri search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.search.support import create, found, observation

UCUM = "http://unitsofmeasure.org"


@pytest.fixture
def quantities(client: TestClient) -> dict[str, str]:
    return {
        "5.4 mg/dL": create(client, observation(valueQuantity={"value": 5.4, "system": UCUM, "code": "mg/dL"})),
        "6.0 mg/dL": create(client, observation(valueQuantity={"value": 6.0, "system": UCUM, "code": "mg/dL"})),
        "100 mmol/L": create(
            client, observation(valueQuantity={"value": 100, "unit": "mmol/L", "system": UCUM, "code": "mmol/L"})
        ),
        "5.4 mg": create(client, observation(valueQuantity={"value": 5.4, "unit": "mg"})),
        "none": create(client, observation(valueString="n/a")),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5.4", ("5.4 mg/dL", "5.4 mg")),
        ("5", ("5.4 mg/dL", "5.4 mg")),
        ("6", ("6.0 mg/dL",)),
        ("100", ("100 mmol/L",)),
        ("1e2", ("100 mmol/L",)),
        (f"5.4|{UCUM}|mg/dL", ("5.4 mg/dL",)),
        (f"5.4|{UCUM}|mg", ()),
        ("5.4||mg", ("5.4 mg",)),
        ("5.4||mg/dL", ("5.4 mg/dL",)),
        (f"gt5|{UCUM}|mg/dL", ("5.4 mg/dL", "6.0 mg/dL")),
        ("gt5.4", ("6.0 mg/dL", "100 mmol/L")),
        ("ge5.4", ("5.4 mg/dL", "6.0 mg/dL", "100 mmol/L", "5.4 mg")),
        ("lt6", ("5.4 mg/dL", "5.4 mg")),
        ("le6", ("5.4 mg/dL", "6.0 mg/dL", "5.4 mg")),
        ("ne5.4", ("6.0 mg/dL", "100 mmol/L")),
        ("sa6", ("100 mmol/L",)),
        ("eb6", ("5.4 mg/dL", "5.4 mg")),
        ("ap100", ("100 mmol/L",)),
        ("ap5.6", ("5.4 mg/dL", "6.0 mg/dL", "5.4 mg")),
        ("5.4,100", ("5.4 mg/dL", "5.4 mg", "100 mmol/L")),
    ],
)
def test_quantity_prefixes_and_units(
    client: TestClient, quantities: dict[str, str], value: str, expected: tuple[str, ...]
) -> None:
    assert found(client, "Observation", {"value-quantity": value}) == {quantities[key] for key in expected}


def test_quantity_missing(client: TestClient, quantities: dict[str, str]) -> None:
    assert found(client, "Observation", {"value-quantity:missing": "true"}) == {quantities["none"]}
    assert found(client, "Observation", {"value-quantity:missing": "false"}) == set(quantities.values()) - {
        quantities["none"]
    }


def _risk(probability: float | None) -> dict:
    body: dict = {"resourceType": "RiskAssessment", "status": "final", "subject": {"reference": "Patient/p"}}
    if probability is not None:
        body["prediction"] = [{"probabilityDecimal": probability}]
    return body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", (0.5,)),
        ("0.50", (0.5,)),
        ("gt0.3", (0.5, 0.75)),
        ("lt0.5", (0.25,)),
        ("le0.5", (0.25, 0.5)),
        ("ge0.75", (0.75,)),
        ("ne0.5", (0.25, 0.75)),
        ("0.25,0.75", (0.25, 0.75)),
    ],
)
def test_number_prefixes(client: TestClient, value: str, expected: tuple[float, ...]) -> None:
    made = {p: create(client, _risk(p)) for p in (0.25, 0.5, 0.75)}
    nothing = create(client, _risk(None))
    assert found(client, "RiskAssessment", {"probability": value}) == {made[p] for p in expected}
    assert found(client, "RiskAssessment", {"probability:missing": "true"}) == {nothing}


def _value_set(url: str) -> dict:
    return {"resourceType": "ValueSet", "status": "active", "url": url}


def test_uri_exact_below_and_above(client: TestClient) -> None:
    one = create(client, _value_set("http://acme.org/fhir/ValueSet/123"))
    two = create(client, _value_set("http://acme.org/fhir/ValueSet/124"))
    other = create(client, _value_set("http://acme.org/fhirs/ValueSet/1"))
    root = create(client, _value_set("http://acme.org/fhir"))
    no_url = create(client, {"resourceType": "ValueSet", "status": "active"})
    assert found(client, "ValueSet", {"url": "http://acme.org/fhir/ValueSet/123"}) == {one}
    assert found(client, "ValueSet", {"url": "http://acme.org/fhir/ValueSet/12"}) == set()
    assert found(client, "ValueSet", {"url:below": "http://acme.org/fhir"}) == {one, two, root}
    assert found(client, "ValueSet", {"url:below": "http://acme.org/fhir/"}) == {one, two, root}
    assert found(client, "ValueSet", {"url:above": "http://acme.org/fhir/ValueSet/123/_history/5"}) == {one, root}
    assert found(client, "ValueSet", {"url:above": "http://acme.org/fhirs/ValueSet/1"}) == {other}
    assert found(client, "ValueSet", {"url:missing": "false"}) == {one, two, other, root}
    assert found(client, "ValueSet", {"url:missing": "true"}) == {no_url}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gt0.3", ("0.2-0.4", "0.6-")),
        ("lt0.3", ("0.2-0.4",)),
        ("0", ("0.2-0.4",)),
        ("0.3", ()),
        ("ne0.3", ("0.2-0.4", "0.6-")),
        ("sa0.5", ("0.6-",)),
        ("eb0.5", ("0.2-0.4",)),
        ("ge0.4", ("0.2-0.4", "0.6-")),
        ("le0.2", ("0.2-0.4",)),
        ("ap1", ("0.6-",)),
    ],
)
def test_number_on_a_range_compares_its_bounds(client: TestClient, value: str, expected: tuple[str, ...]) -> None:
    def ranged(bounds: dict) -> dict:
        return {**_risk(None), "prediction": [{"probabilityRange": bounds}]}

    made = {
        "0.2-0.4": create(client, ranged({"low": {"value": 0.2}, "high": {"value": 0.4}})),
        "0.6-": create(client, ranged({"low": {"value": 0.6}})),
    }
    assert found(client, "RiskAssessment", {"probability": value}) == {made[k] for k in expected}
