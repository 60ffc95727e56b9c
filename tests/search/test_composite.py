"""Composite search: every component must match within the SAME element."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import create, found, observation

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _quantity(value: float) -> dict:
    return {"value": value, "system": UCUM, "code": "mmol/L", "unit": "mmol/L"}


def _concept(code: str) -> dict:
    return {"coding": [{"system": LOINC, "code": code}]}


def test_code_value_quantity_requires_code_and_value_together(client: TestClient) -> None:
    high = create(client, observation(code=_concept("2345-7"), valueQuantity=_quantity(6.3)))
    low = create(client, observation(code=_concept("2345-7"), valueQuantity=_quantity(5.0)))
    other = create(client, observation(code=_concept("2339-0"), valueQuantity=_quantity(9.0)))
    create(client, observation(code=_concept("2345-7"), valueString="hémolysé"))
    assert found(client, "Observation", {"code-value-quantity": f"{LOINC}|2345-7$gt5.4"}) == {high}
    assert found(client, "Observation", {"code-value-quantity": "2345-7$5"}) == {low}
    assert found(client, "Observation", {"code-value-quantity": f"{LOINC}|2345-7$gt5.4,{LOINC}|2339-0$9"}) == {
        high,
        other,
    }
    assert found(client, "Observation", {"code-value-quantity": f"{LOINC}|2345-7$gt5.4|{UCUM}|mmol/L"}) == {high}
    assert found(client, "Observation", {"code-value-quantity": f"{LOINC}|2345-7$gt5.4|{UCUM}|mg"}) == set()


def test_component_code_value_quantity_never_mixes_two_components(client: TestClient) -> None:
    pressure = create(
        client,
        observation(
            code=_concept("85354-9"),
            component=[
                {"code": _concept("8480-6"), "valueQuantity": {"value": 120, "system": UCUM, "code": "mm[Hg]"}},
                {"code": _concept("8462-4"), "valueQuantity": {"value": 80, "system": UCUM, "code": "mm[Hg]"}},
            ],
        ),
    )
    search = "component-code-value-quantity"
    assert found(client, "Observation", {search: f"{LOINC}|8480-6$gt100"}) == {pressure}
    assert found(client, "Observation", {search: f"{LOINC}|8462-4$lt100"}) == {pressure}
    assert found(client, "Observation", {search: f"{LOINC}|8462-4$gt100"}) == set()
    assert found(client, "Observation", {search: f"{LOINC}|8480-6$lt100"}) == set()
    both = [(search, f"{LOINC}|8480-6$gt100"), (search, f"{LOINC}|8462-4$lt100")]
    assert found(client, "Observation", both) == {pressure}


def test_composite_missing(client: TestClient) -> None:
    with_value = create(client, observation(code=_concept("2345-7"), valueQuantity=_quantity(6.3)))
    without = create(client, observation(code=_concept("2345-7")))
    assert found(client, "Observation", {"code-value-quantity:missing": "true"}) == {without}
    assert found(client, "Observation", {"code-value-quantity:missing": "false"}) == {with_value}


def test_composite_token_and_string_pair(client: TestClient) -> None:
    sbp = create(
        client,
        observation(
            code=_concept("8480-6"),
            valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "371879000"}]},
        ),
    )
    assert found(client, "Observation", {"code-value-concept": f"{LOINC}|8480-6$http://snomed.info/sct|371879000"}) == {
        sbp
    }
    assert found(client, "Observation", {"code-value-concept": f"{LOINC}|8480-6$371879001"}) == set()
