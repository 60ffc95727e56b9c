"""Index rows: what each search parameter stores for each kind of value.

These read as the contract between the write side (this module) and the query
side: what a row holds is what a search can match.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsn.fhir.index_extraction import (
    COLUMNS,
    MAX_DATE,
    MIN_DATE,
    TABLES,
    date_range,
    extract_index_rows,
    precision_range,
)
from dsn.fhir.search_parameters import (
    InvalidSearchParameter,
    SearchParameterRegistry,
    default_registry,
    get,
    parameters_for,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES_DIR = SHARED / "testdata" / "r4-examples"
SYNTHEA_DIR = SHARED / "testdata" / "synthea"

US = 1_000_000


def rows(resource: dict[str, Any], table: str, param: str) -> list[dict[str, Any]]:
    return [row for row in extract_index_rows(resource)[table] if row["param"] == param]


def cells(resource: dict[str, Any], table: str, param: str, *columns: str) -> list[tuple]:
    return [tuple(row[c] for c in columns) for row in rows(resource, table, param)]


def utc(text: str) -> int:
    """Microseconds since the epoch of an ISO instant (test helper)."""
    from datetime import datetime

    moment = datetime.fromisoformat(text)
    return int(moment.timestamp()) * US + moment.microsecond


# --------------------------------------------------------------------------- shape


def test_every_table_is_present_and_rows_have_exactly_its_columns() -> None:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female"}
    extracted = extract_index_rows(patient)
    assert set(extracted) == set(TABLES)
    for table, table_rows in extracted.items():
        for row in table_rows:
            assert tuple(row) == COLUMNS[table]


def test_unknown_or_missing_resource_type_gives_no_rows() -> None:
    assert all(not found for found in extract_index_rows({"id": "x"}).values())
    assert all(not found for found in extract_index_rows({"resourceType": "Nope"}).values())


def test_identical_values_give_one_row() -> None:
    patient = {"resourceType": "Patient", "name": [{"given": ["Marie"]}, {"given": ["Marie"]}]}
    assert cells(patient, "idx_string", "given", "value_exact") == [("Marie",)]


def test_resource_level_parameters_apply_to_every_type() -> None:
    resource = {
        "resourceType": "Basic",
        "id": "b1",
        "meta": {
            "lastUpdated": "2024-05-01T12:00:00Z",
            "profile": ["http://example.org/StructureDefinition/x"],
            "tag": [{"system": "http://example.org/tags", "code": "t"}],
            "security": [{"system": "http://example.org/sec", "code": "R"}],
            "source": "http://example.org/source",
        },
        "code": {"text": "x"},
    }
    assert cells(resource, "idx_token", "_id", "code") == [("b1",)]
    assert cells(resource, "idx_date", "_lastUpdated", "low") == [(utc("2024-05-01T12:00:00+00:00"),)]
    assert cells(resource, "idx_uri", "_profile", "value") == [("http://example.org/StructureDefinition/x",)]
    assert cells(resource, "idx_token", "_tag", "system", "code") == [("http://example.org/tags", "t")]
    assert cells(resource, "idx_token", "_security", "code") == [("R",)]
    assert cells(resource, "idx_uri", "_source", "value") == [("http://example.org/source",)]


# --------------------------------------------------------------------------- strings


PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [
        {
            "family": "Bélanger",
            "given": ["Marie-Ève", "Josée"],
            "prefix": ["Dre"],
            "suffix": ["MD"],
            "text": "Dre Marie-Ève Josée Bélanger",
        }
    ],
    "address": [
        {
            "line": ["1234, rue Saint-Denis", "app. 5"],
            "city": "Montréal",
            "district": "Ville-Marie",
            "state": "QC",
            "postalCode": "H2X 3K8",
            "country": "CA",
        }
    ],
    "telecom": [
        {"system": "phone", "value": "514-555-0101"},
        {"system": "email", "value": "m@e.ca"},
    ],
    "gender": "female",
    "birthDate": "1980-03-15",
    "active": True,
    "identifier": [
        {
            "system": "https://www.ramq.gouv.qc.ca/nam",
            "value": "BELM80531512",
            "type": {
                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "JHN"}],
                "text": "Numéro d'assurance maladie",
            },
        }
    ],
}


def test_human_name_indexes_each_part_separately_under_name() -> None:
    found = cells(PATIENT, "idx_string", "name", "value_norm", "value_exact")
    assert found == [
        ("belanger", "Bélanger"),
        ("marie-eve", "Marie-Ève"),
        ("josee", "Josée"),
        ("dre", "Dre"),
        ("md", "MD"),
        ("dre marie-eve josee belanger", "Dre Marie-Ève Josée Bélanger"),
    ]


def test_family_and_given_parameters_index_their_own_part() -> None:
    assert cells(PATIENT, "idx_string", "family", "value_norm") == [("belanger",)]
    assert cells(PATIENT, "idx_string", "given", "value_norm") == [("marie-eve",), ("josee",)]


def test_address_indexes_each_part_separately() -> None:
    found = [value for (value,) in cells(PATIENT, "idx_string", "address", "value_exact")]
    assert found == [
        "1234, rue Saint-Denis",
        "app. 5",
        "Montréal",
        "Ville-Marie",
        "QC",
        "H2X 3K8",
        "CA",
    ]
    assert cells(PATIENT, "idx_string", "address-city", "value_norm") == [("montreal",)]


def test_long_strings_are_truncated_to_255_characters() -> None:
    patient = {"resourceType": "Patient", "name": [{"family": "É" * 300}]}
    [(norm, exact)] = cells(patient, "idx_string", "family", "value_norm", "value_exact")
    assert norm == "e" * 255
    assert exact == "É" * 255


def test_observation_value_string_also_indexes_codeable_concept_text() -> None:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "valueCodeableConcept": {"text": "Positif"},
    }
    assert cells(observation, "idx_string", "value-string", "value_norm") == [("positif",)]


# --------------------------------------------------------------------------- tokens


def test_codeable_concept_gives_one_row_per_coding_with_its_display() -> None:
    condition = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "code": {
            "coding": [
                {
                    "system": "http://snomed.info/sct",
                    "code": "44054006",
                    "display": "Diabète type 2",
                },
                {"system": "http://hl7.org/fhir/sid/icd-10-ca", "code": "E11"},
            ],
            "text": "Diabète de type 2",
        },
    }
    assert cells(condition, "idx_token", "code", "system", "code", "text_norm") == [
        ("http://snomed.info/sct", "44054006", "diabete type 2"),
        ("http://hl7.org/fhir/sid/icd-10-ca", "E11", None),
        (None, None, "diabete de type 2"),
    ]


def test_codeable_concept_with_only_text_gives_a_code_less_row() -> None:
    condition = {"resourceType": "Condition", "code": {"text": "Asthme"}}
    assert cells(condition, "idx_token", "code", "system", "code", "text_norm") == [(None, None, "asthme")]


def test_identifier_gives_system_value_and_type_text() -> None:
    assert cells(PATIENT, "idx_token", "identifier", "system", "code", "text_norm") == [
        ("https://www.ramq.gouv.qc.ca/nam", "BELM80531512", "numero d'assurance maladie")
    ]


def test_identifier_type_codings_add_of_type_rows() -> None:
    assert cells(PATIENT, "idx_token", "identifier:of-type", "system", "code") == [
        ("http://terminology.hl7.org/CodeSystem/v2-0203|JHN", "BELM80531512")
    ]


def test_contact_point_token_is_its_value_without_system() -> None:
    assert cells(PATIENT, "idx_token", "telecom", "system", "code") == [
        (None, "514-555-0101"),
        (None, "m@e.ca"),
    ]
    assert cells(PATIENT, "idx_token", "phone", "code") == [("514-555-0101",)]
    assert cells(PATIENT, "idx_token", "email", "code") == [("m@e.ca",)]


def test_code_and_boolean_primitives_are_tokens_without_system() -> None:
    assert cells(PATIENT, "idx_token", "gender", "system", "code") == [(None, "female")]
    assert cells(PATIENT, "idx_token", "active", "code") == [("true",)]


def test_deceased_token_is_false_for_a_living_patient_and_true_with_a_date() -> None:
    assert cells(PATIENT, "idx_token", "deceased", "code") == [("false",)]
    deceased = {**PATIENT, "deceasedDateTime": "2020-01-01"}
    assert cells(deceased, "idx_token", "deceased", "code") == [("true",)]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2020", "2020-01-01T00:00:00+00:00", "2020-12-31T23:59:59.999999+00:00"),
        ("2020-02", "2020-02-01T00:00:00+00:00", "2020-02-29T23:59:59.999999+00:00"),
        ("2021-02", "2021-02-01T00:00:00+00:00", "2021-02-28T23:59:59.999999+00:00"),
        ("2020-03-05", "2020-03-05T00:00:00+00:00", "2020-03-05T23:59:59.999999+00:00"),
        ("2020-03-05T10:20:30Z", "2020-03-05T10:20:30+00:00", "2020-03-05T10:20:30.999999+00:00"),
        (
            "2020-03-05T10:20:30.25Z",
            "2020-03-05T10:20:30.250000+00:00",
            "2020-03-05T10:20:30.259999+00:00",
        ),
        (
            "2020-03-05T10:20:30.123456Z",
            "2020-03-05T10:20:30.123456+00:00",
            "2020-03-05T10:20:30.123456+00:00",
        ),
    ],
)
def test_date_range_covers_the_precision_of_the_stored_value(text: str, low: str, high: str) -> None:
    assert date_range(text) == (utc(low), utc(high))


def test_date_time_offset_is_converted_to_utc() -> None:
    assert date_range("2020-03-05T10:00:00-05:00") == date_range("2020-03-05T15:00:00Z")


def test_date_time_without_offset_is_read_as_utc() -> None:
    assert date_range("2020-03-05T10:00:00") == date_range("2020-03-05T10:00:00Z")


def test_leap_second_is_indexed_as_the_last_second_of_the_minute() -> None:
    assert date_range("2016-12-31T23:59:60Z") == date_range("2016-12-31T23:59:59Z")


@pytest.mark.parametrize("text", ["2020-13", "2021-02-29", "20200305", "2020-03-05T25:00:00Z", "x"])
def test_invalid_dates_have_no_range(text: str) -> None:
    assert date_range(text) is None


def test_birthdate_row_spans_the_whole_day() -> None:
    assert cells(PATIENT, "idx_date", "birthdate", "low", "high") == [
        (utc("1980-03-15T00:00:00+00:00"), utc("1980-03-15T23:59:59.999999+00:00"))
    ]


def test_period_spans_from_start_precision_low_to_end_precision_high() -> None:
    encounter = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": "AMB"},
        "period": {"start": "2024-01-10", "end": "2024-01-12T08:00:00Z"},
    }
    assert cells(encounter, "idx_date", "date", "low", "high") == [
        (utc("2024-01-10T00:00:00+00:00"), utc("2024-01-12T08:00:00.999999+00:00"))
    ]


def test_period_without_end_is_open_to_the_max_sentinel() -> None:
    encounter = {"resourceType": "Encounter", "period": {"start": "2024-01-10T08:00:00Z"}}
    assert cells(encounter, "idx_date", "date", "low", "high") == [(utc("2024-01-10T08:00:00+00:00"), MAX_DATE)]
    assert MAX_DATE == 253402300799999999


def test_period_without_start_is_open_to_the_min_sentinel() -> None:
    encounter = {"resourceType": "Encounter", "period": {"end": "2024"}}
    assert cells(encounter, "idx_date", "date", "low", "high") == [(MIN_DATE, utc("2024-12-31T23:59:59.999999+00:00"))]
    assert MIN_DATE == -62135596800000000


def test_timing_indexes_each_event_and_the_bounds_period() -> None:
    care_plan = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/p1"},
        "activity": [
            {
                "detail": {
                    "status": "scheduled",
                    "scheduledTiming": {
                        "event": ["2024-02-01T08:00:00Z"],
                        "repeat": {"boundsPeriod": {"start": "2024-02-01", "end": "2024-02-07"}},
                    },
                }
            }
        ],
    }
    assert cells(care_plan, "idx_date", "activity-date", "low", "high") == [
        (utc("2024-02-01T08:00:00+00:00"), utc("2024-02-01T08:00:00.999999+00:00")),
        (utc("2024-02-01T00:00:00+00:00"), utc("2024-02-07T23:59:59.999999+00:00")),
    ]


def test_timing_event_parameter_indexes_each_event() -> None:
    request = {
        "resourceType": "MedicationRequest",
        "dosageInstruction": [{"timing": {"event": ["2024-02-01T08:00:00Z", "2024-02-01T20:00:00Z"]}}],
    }
    # R4's MedicationRequest "date" parameter is dosageInstruction.timing.event.
    assert cells(request, "idx_date", "date", "low") == [
        (utc("2024-02-01T08:00:00+00:00"),),
        (utc("2024-02-01T20:00:00+00:00"),),
    ]


# --------------------------------------------------------------------------- references


def reference_rows(reference: Any, param: str = "subject") -> list[tuple]:
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    observation["subject"] = reference
    return cells(observation, "idx_reference", param, "target_type", "target_id", "target_version", "url")


def test_relative_reference_gives_type_and_id() -> None:
    assert reference_rows({"reference": "Patient/p1"}) == [("Patient", "p1", None, None)]


def test_versioned_reference_keeps_the_version() -> None:
    assert reference_rows({"reference": "Patient/p1/_history/3"}) == [("Patient", "p1", "3", None)]


def test_absolute_reference_keeps_type_id_and_full_url() -> None:
    url = "https://dsn.example.qc.ca/fhir/Patient/p1"
    assert reference_rows({"reference": url}) == [("Patient", "p1", None, url)]


def test_logical_url_reference_keeps_only_the_url() -> None:
    url = "http://example.org/people/42"
    assert reference_rows({"reference": url}) == [(None, None, None, url)]


@pytest.mark.parametrize("reference", ["#contained", "urn:uuid:0f3c1ab4-0000-4000-8000-000000000000"])
def test_contained_and_bundle_local_references_give_no_row(reference: str) -> None:
    assert reference_rows({"reference": reference}) == []


def test_reference_to_a_type_outside_the_targets_gives_no_row() -> None:
    # Observation.subject targets Patient, Group, Device and Location.
    assert reference_rows({"reference": "Practitioner/d1"}) == []


def test_patient_parameter_keeps_only_patient_references() -> None:
    assert reference_rows({"reference": "Group/g1"}, "patient") == []
    assert reference_rows({"reference": "Patient/p1"}, "patient") == [("Patient", "p1", None, None)]


def test_reference_identifier_gives_an_identifier_token_row() -> None:
    observation = {
        "resourceType": "Observation",
        "subject": {"identifier": {"system": "https://www.ramq.gouv.qc.ca/nam", "value": "X1"}},
    }
    assert cells(observation, "idx_token", "subject:identifier", "system", "code") == [
        ("https://www.ramq.gouv.qc.ca/nam", "X1")
    ]
    assert rows(observation, "idx_reference", "subject") == []


def test_canonical_reference_splits_url_and_version() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://example.org/fhir/Questionnaire/phq-9|2.1",
    }
    assert cells(
        response,
        "idx_reference",
        "questionnaire",
        "target_type",
        "target_id",
        "target_version",
        "url",
    ) == [("Questionnaire", None, "2.1", "http://example.org/fhir/Questionnaire/phq-9")]


# --------------------------------------------------------------------------- quantities and numbers


def quantity_observation(value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
        "valueQuantity": {
            "value": value,
            "unit": "mmol/L",
            "system": "http://unitsofmeasure.org",
            "code": "mmol/L",
        },
    }


def test_observation_value_quantity_range_follows_significant_digits() -> None:
    assert cells(quantity_observation(5.4), "idx_quantity", "value-quantity", "value", "low", "high") == [
        (5.4, 5.35, 5.45)
    ]
    assert cells(quantity_observation(100), "idx_quantity", "value-quantity", "low", "high") == [(99.5, 100.5)]


def test_quantity_rows_keep_system_code_and_unit() -> None:
    assert cells(quantity_observation(5.4), "idx_quantity", "value-quantity", "system", "code", "unit") == [
        ("http://unitsofmeasure.org", "mmol/L", "mmol/L")
    ]


def test_decimal_values_keep_their_trailing_zeros() -> None:
    from decimal import Decimal

    assert precision_range(Decimal("5.40")) == (5.4, 5.395, 5.405)
    assert precision_range(1e-05) == (1e-05, 5e-06, 1.5e-05)
    assert precision_range(True) is None


def test_money_is_a_quantity_with_the_currency_as_code() -> None:
    charge = {
        "resourceType": "ChargeItem",
        "status": "billable",
        "code": {"text": "x"},
        "subject": {"reference": "Patient/p1"},
        "priceOverride": {"value": 40, "currency": "CAD"},
    }
    assert cells(charge, "idx_quantity", "price-override", "value", "system", "code") == [
        (40.0, "urn:iso:std:iso:4217", "CAD")
    ]


def test_age_choice_is_a_quantity() -> None:
    condition = {
        "resourceType": "Condition",
        "onsetAge": {"value": 45, "code": "a", "system": "http://unitsofmeasure.org"},
    }
    assert cells(condition, "idx_quantity", "onset-age", "value", "code") == [(45.0, "a")]


def test_range_is_one_row_with_its_bounds_and_infinite_open_ends() -> None:
    condition = {"resourceType": "Condition", "onsetRange": {"low": {"value": 40, "unit": "a"}}}
    [(value, low, high, unit)] = cells(condition, "idx_quantity", "onset-age", "value", "low", "high", "unit")
    assert (value, low, unit) == (None, 40.0, "a")
    assert high == math.inf


def test_number_parameter_has_a_precision_range() -> None:
    assessment = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "prediction": [
            {"probabilityDecimal": 0.02},
            {"probabilityRange": {"low": {"value": 0.1}, "high": {"value": 0.2}}},
        ],
    }
    assert cells(assessment, "idx_number", "probability", "value", "low", "high") == [
        (0.02, 0.015, 0.025),
        (None, 0.1, 0.2),
    ]


# --------------------------------------------------------------------------- uris


def test_uri_parameter_stores_the_value() -> None:
    value_set = {
        "resourceType": "ValueSet",
        "status": "active",
        "url": "http://example.org/ValueSet/x",
    }
    assert cells(value_set, "idx_uri", "url", "value") == [("http://example.org/ValueSet/x",)]


# --------------------------------------------------------------------------- composites


BLOOD_PRESSURE: dict[str, Any] = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
    "subject": {"reference": "Patient/p1"},
    "valueQuantity": {"value": 1, "code": "1"},
    "component": [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "valueQuantity": {
                "value": 120,
                "system": "http://unitsofmeasure.org",
                "code": "mm[Hg]",
            },
        },
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
            "valueQuantity": {"value": 80, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
        },
        {"code": {"coding": [{"system": "http://loinc.org", "code": "9999-9"}]}},
    ],
}


def grouped(resource: dict[str, Any], composite: str) -> dict[int, tuple]:
    """grp -> (codes of component 0, values of component 1)."""
    extracted = extract_index_rows(resource)
    groups: dict[int, tuple[list[str], list[float]]] = {}
    for row in extracted["idx_token"]:
        if row["param"] == f"{composite}#0":
            groups.setdefault(row["grp"], ([], []))[0].append(row["code"])
    for row in extracted["idx_quantity"]:
        if row["param"] == f"{composite}#1":
            groups.setdefault(row["grp"], ([], []))[1].append(row["value"])
    return {grp: (tuple(codes), tuple(values)) for grp, (codes, values) in groups.items()}


def test_code_value_quantity_groups_the_observation_code_with_its_value() -> None:
    assert grouped(BLOOD_PRESSURE, "code-value-quantity") == {1: (("85354-9",), (1.0,))}


def test_component_code_value_quantity_gives_each_component_its_own_group() -> None:
    assert grouped(BLOOD_PRESSURE, "component-code-value-quantity") == {
        1: (("8480-6",), (120.0,)),
        2: (("8462-4",), (80.0,)),
    }


def test_combo_code_value_quantity_numbers_the_observation_then_its_components() -> None:
    assert grouped(BLOOD_PRESSURE, "combo-code-value-quantity") == {
        1: (("85354-9",), (1.0,)),
        2: (("8480-6",), (120.0,)),
        3: (("8462-4",), (80.0,)),
    }


def test_elements_missing_a_component_value_get_no_group() -> None:
    groups = grouped(BLOOD_PRESSURE, "component-code-value-quantity")
    assert all("9999-9" not in codes for codes, _ in groups.values())


def test_ordinary_rows_have_group_zero() -> None:
    extracted = extract_index_rows(BLOOD_PRESSURE)
    plain = [row for table in extracted.values() for row in table if "#" not in row["param"]]
    assert plain and all(row["grp"] == 0 for row in plain)


def test_composite_components_use_their_own_type_tables() -> None:
    document = {
        "resourceType": "DocumentReference",
        "status": "current",
        "content": [{"attachment": {"url": "http://x"}}],
        "relatesTo": [{"code": "replaces", "target": {"reference": "DocumentReference/d0"}}],
    }
    assert cells(document, "idx_token", "relationship#0", "code", "grp") == [("replaces", 1)]
    assert cells(document, "idx_reference", "relationship#1", "target_id", "grp") == [("d0", 1)]


# --------------------------------------------------------------------------- registry


def test_registry_gives_each_type_its_own_part_of_a_shared_expression() -> None:
    code = get("Condition", "code")
    assert code is not None
    assert code.expression == "Condition.code"
    assert "Observation" in code.base
    assert code.url == "http://hl7.org/fhir/SearchParameter/clinical-code"


def test_registry_includes_resource_level_parameters() -> None:
    codes = set(parameters_for("Observation"))
    assert {"_id", "_lastUpdated", "_tag", "_profile", "_security", "_source", "_text"} <= codes
    assert "_text" not in parameters_for("Bundle")  # Bundle is not a DomainResource


def test_composite_components_resolve_to_code_and_type() -> None:
    composite = get("Observation", "code-value-quantity")
    assert composite is not None
    assert [(c.code, c.type, c.expression) for c in composite.components] == [
        ("code", "token", "code"),
        ("value-quantity", "quantity", "value.as(Quantity)"),
    ]


CUSTOM_NAM: dict[str, Any] = {
    "resourceType": "SearchParameter",
    "url": "https://dsn.example.qc.ca/fhir/SearchParameter/patient-nam",
    "name": "nam",
    "status": "active",
    "code": "nam",
    "base": ["Patient"],
    "type": "token",
    "expression": "Patient.identifier.where(system='https://www.ramq.gouv.qc.ca/nam')",
}


def test_custom_search_parameter_is_indexed() -> None:
    registry = default_registry().with_custom([CUSTOM_NAM])
    found = extract_index_rows(PATIENT, registry)["idx_token"]
    assert [(row["code"]) for row in found if row["param"] == "nam"] == ["BELM80531512"]
    assert registry.get("Patient", "nam") is not None
    assert default_registry().get("Patient", "nam") is None


def test_custom_parameter_overrides_a_built_in_one_with_the_same_code() -> None:
    override = {**CUSTOM_NAM, "url": "https://dsn.example.qc.ca/x", "code": "gender"}
    registry = default_registry().with_custom([override])
    definition = registry.get("Patient", "gender")
    assert definition is not None and definition.url == "https://dsn.example.qc.ca/x"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "special"}, "type"),
        ({"base": ["Nope"]}, "unknown base"),
        ({"expression": "Patient.identifier.("}, "syntax"),
        ({"expression": "Patient.frobnicate()"}, "frobnicate"),
        ({"expression": "Patient.nonexistent"}, "names no element"),
        ({"code": "bad code"}, "code"),
        ({"url": None}, "url"),
        (
            {
                "type": "composite",
                "component": [{"definition": "http://nowhere", "expression": "x"}],
            },
            "resolve",
        ),
    ],
)
def test_invalid_custom_parameters_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSearchParameter, match=message):
        SearchParameterRegistry.default().with_custom([{**CUSTOM_NAM, **change}])


# --------------------------------------------------------------------------- robustness


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "value",
                    "system",
                    "code",
                    "coding",
                    "text",
                    "reference",
                    "start",
                    "end",
                    "low",
                    "high",
                    "given",
                    "family",
                    "line",
                    "event",
                    "repeat",
                    "boundsPeriod",
                    "identifier",
                    "type",
                    "currency",
                    "unit",
                    "display",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
ELEMENTS = [
    "id",
    "meta",
    "code",
    "status",
    "subject",
    "performer",
    "component",
    "identifier",
    "category",
    "valueQuantity",
    "valueCodeableConcept",
    "valueRange",
    "valuePeriod",
    "valueString",
    "effectiveDateTime",
    "effectiveTiming",
    "effectivePeriod",
    "issued",
    "name",
    "address",
    "telecom",
    "birthDate",
    "deceasedBoolean",
    "deceasedDateTime",
    "gender",
    "active",
    "link",
    "contained",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["Observation", "Patient"]),
    st.dictionaries(st.sampled_from(ELEMENTS), JSON_VALUES, max_size=8),
)
def test_malformed_resources_never_break_extraction(resource_type: str, elements: dict[str, Any]) -> None:
    extracted = extract_index_rows({"resourceType": resource_type, **elements})
    for table, table_rows in extracted.items():
        for row in table_rows:
            assert tuple(row) == COLUMNS[table]


# --------------------------------------------------------------------------- real data


def _json_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


@pytest.mark.skipif(not EXAMPLES_DIR.is_dir(), reason=f"R4 examples not found in {EXAMPLES_DIR}")
def test_extraction_runs_on_every_r4_example() -> None:
    total = 0
    for path in _json_files(EXAMPLES_DIR):
        resource = json.loads(path.read_text(encoding="utf-8"))
        if "resourceType" not in resource:
            continue  # package.json
        extracted = extract_index_rows(resource)
        total += sum(len(found) for found in extracted.values())
    assert total > 5000


@pytest.mark.skipif(not SYNTHEA_DIR.is_dir(), reason=f"Synthea bundles not found in {SYNTHEA_DIR}")
def test_extraction_runs_on_every_synthea_resource() -> None:
    count = 0
    for path in _json_files(SYNTHEA_DIR):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        for entry in bundle.get("entry", []):
            extracted = extract_index_rows(entry["resource"])
            assert extracted["idx_token"], entry["resource"]["resourceType"]
            count += 1
    assert count > 5000
