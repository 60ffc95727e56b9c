"""The FHIRPath subset compiler: what search parameter expressions find, and with which types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsn.fhir.fhirpath import (
    ElementModel,
    FhirPathError,
    ParsedReference,
    compile_path,
    parse_reference,
    split_union,
)
from dsn.fhir.search_parameters import ABSTRACT_BASES, SearchParameterRegistry

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES_DIR = SHARED / "testdata" / "r4-examples"


def values(expression: str, resource: dict[str, Any]) -> list[Any]:
    context = resource.get("resourceType")
    return [value for value, _ in compile_path(expression, context).evaluate(resource)]


def typed(expression: str, resource: dict[str, Any]) -> list[tuple[Any, str | None]]:
    return compile_path(expression, resource.get("resourceType")).evaluate(resource)


OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "bp",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
    "subject": {"reference": "Patient/p1"},
    "performer": [{"reference": "Practitioner/d1"}, {"reference": "#me"}],
    "contained": [{"resourceType": "Patient", "id": "me"}],
    "valueQuantity": {"value": 5.4, "unit": "mmol/L"},
    "component": [
        {"code": {"text": "systolic"}, "valueQuantity": {"value": 120}},
        {"code": {"text": "note"}, "valueString": "high"},
    ],
}


def test_path_steps_return_values_with_their_element_types() -> None:
    assert typed("Observation.code.coding", OBSERVATION) == [
        ({"system": "http://loinc.org", "code": "85354-9"}, "Coding")
    ]
    assert typed("Observation.status", OBSERVATION) == [("final", "code")]


def test_resource_level_path_applies_to_any_resource_type() -> None:
    assert typed("Resource.id", OBSERVATION) == [("bp", "string")]


def test_choice_element_as_type_reads_only_that_json_key() -> None:
    assert typed("(Observation.value as Quantity)", OBSERVATION) == [({"value": 5.4, "unit": "mmol/L"}, "Quantity")]
    assert values("(Observation.value as string)", OBSERVATION) == []


def test_choice_element_without_type_gets_its_type_from_the_json_name() -> None:
    assert typed("Observation.component.value", OBSERVATION) == [
        ({"value": 120}, "Quantity"),
        ("high", "string"),
    ]


def test_as_function_accepts_misspelled_primitive_type_names() -> None:
    observation = {"resourceType": "Observation", "valueDateTime": "2020-01-02"}
    # R4's Observation-code-value-date component says value.as(DateTime).
    assert typed("value.as(DateTime)", observation) == [("2020-01-02", "dateTime")]


def test_as_on_a_choice_includes_subtypes_when_no_exact_type_matches() -> None:
    condition = {"resourceType": "Condition", "onsetAge": {"value": 40, "unit": "a"}}
    assert typed("Condition.onset.as(Quantity)", condition) == [({"value": 40, "unit": "a"}, "Age")]


def test_where_resolve_is_type_reads_the_reference_without_resolving_it() -> None:
    patients = values("Observation.performer.where(resolve() is Patient)", OBSERVATION)
    assert patients == [{"reference": "#me"}]  # the contained Patient
    practitioners = values("Observation.performer.where(resolve() is Practitioner)", OBSERVATION)
    assert practitioners == [{"reference": "Practitioner/d1"}]


def test_where_resolve_handles_absolute_and_typed_references() -> None:
    account = {
        "resourceType": "Account",
        "subject": [
            {"reference": "https://other.example/fhir/Patient/9"},
            {"type": "Patient", "identifier": {"value": "x"}},
            {"reference": "urn:uuid:0b5b7c2e-0000-4000-8000-000000000000"},
        ],
    }
    found = values("Account.subject.where(resolve() is Patient)", account)
    assert found == account["subject"][:2]


def test_where_equality_filters_on_a_child_value() -> None:
    patient = {
        "resourceType": "Patient",
        "telecom": [{"system": "email", "value": "a@b.c"}, {"system": "phone", "value": "555"}],
    }
    assert values("Patient.telecom.where(system='phone')", patient) == [{"system": "phone", "value": "555"}]


@pytest.mark.parametrize(
    ("deceased", "expected"),
    [
        ({}, [False]),
        ({"deceasedBoolean": False}, [False]),
        ({"deceasedBoolean": True}, [True]),
        ({"deceasedDateTime": "2020-01-01"}, [True]),
    ],
)
def test_exists_and_inequality_follow_three_valued_logic(deceased: dict[str, Any], expected: list[bool]) -> None:
    patient = {"resourceType": "Patient", **deceased}
    expression = "Patient.deceased.exists() and Patient.deceased != false"
    assert values(expression, patient) == expected


def test_union_concatenates_each_part() -> None:
    found = values("Observation.code | Observation.component.code", OBSERVATION)
    assert found == [OBSERVATION["code"], {"text": "systolic"}, {"text": "note"}]


def test_indexer_and_resource_typed_elements_take_the_contained_resource_type() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [{"resource": {"resourceType": "Composition", "id": "c"}}],
    }
    assert typed("Bundle.entry[0].resource", bundle) == [({"resourceType": "Composition", "id": "c"}, "Composition")]


def test_type_filter_on_resource_typed_elements_uses_the_resource_type() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p"}},
            {"resource": {"resourceType": "Observation", "id": "o"}},
        ],
    }
    assert values("Bundle.entry.resource.ofType(Observation).id", bundle) == ["o"]
    assert values("(Bundle.entry.resource as Patient).id", bundle) == ["p"]


def test_component_expression_can_read_the_root_resource() -> None:
    sequence = {"resourceType": "MolecularSequence", "referenceSeq": {"chromosome": {"text": "1"}}}
    path = compile_path("%resource.referenceSeq.chromosome", "MolecularSequence.variant")
    assert path.evaluate_node({"start": 1}, "MolecularSequence.variant", sequence) == [
        ({"text": "1"}, "CodeableConcept")
    ]


def test_extension_function_selects_by_url() -> None:
    patient = {
        "resourceType": "Patient",
        "extension": [
            {"url": "http://example.org/a", "valueString": "A"},
            {"url": "http://example.org/b", "valueCode": "B"},
        ],
    }
    assert typed("Patient.extension('http://example.org/b').value", patient) == [("B", "code")]


def test_expressions_outside_the_subset_fall_back_to_fhirpathpy() -> None:
    path = compile_path("Patient.name.given.count() > 1", "Patient")
    patient = {"resourceType": "Patient", "name": [{"given": ["A", "B"]}]}
    assert not path.native
    assert [value for value, _ in path.evaluate(patient)] == [True]


def test_fallback_is_per_union_part() -> None:
    path = compile_path("Patient.gender | Patient.name.given.count()", "Patient")
    patient = {"resourceType": "Patient", "gender": "male", "name": [{"given": ["A"]}]}
    assert [value for value, _ in path.evaluate(patient)] == ["male", 1]


def test_invalid_expression_raises_fhirpath_error() -> None:
    with pytest.raises(FhirPathError):
        compile_path("Patient.frobnicate()", "Patient")


def test_required_keys_name_the_top_level_elements_read() -> None:
    path = compile_path("(Observation.value as Quantity) | Observation.component.value", "Observation")
    assert path.required_keys == {"valueQuantity", "component"}
    assert compile_path("Patient.deceased.exists()", "Patient").required_keys is None


def test_split_union_ignores_bars_inside_parentheses() -> None:
    assert split_union("A.b | (A.c | A.d).e | A.f.where(x = 'a|b')") == [
        "A.b",
        "(A.c | A.d).e",
        "A.f.where(x = 'a|b')",
    ]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("Patient/123", ParsedReference("Patient", "123", None, None)),
        ("Patient/123/_history/4", ParsedReference("Patient", "123", "4", None)),
        (
            "https://host/fhir/Patient/123",
            ParsedReference("Patient", "123", None, "https://host/fhir/Patient/123"),
        ),
        ("http://loinc.org", ParsedReference(None, None, None, "http://loinc.org")),
        ("#contained", None),
        ("urn:uuid:0b5b7c2e-0000-4000-8000-000000000000", None),
        ("NotAType/1", None),
    ],
)
def test_parse_reference_understands_each_reference_form(reference: str, expected: ParsedReference | None) -> None:
    assert parse_reference(reference) == expected


def test_every_core_search_expression_compiles_natively() -> None:
    registry = SearchParameterRegistry.default()
    total = native = 0
    for resource_type in sorted({*ABSTRACT_BASES, *ElementModel.load().resource_types}):
        for parameter in registry.parameters_for(resource_type).values():
            if parameter.expression is None:
                continue
            context = None if resource_type in ABSTRACT_BASES else resource_type
            total += 1
            native += compile_path(parameter.expression, context).native
    assert total > 1500
    assert native / total > 0.95, f"only {native}/{total} expressions compile natively"


@pytest.mark.skipif(not EXAMPLES_DIR.is_dir(), reason=f"R4 examples not found in {EXAMPLES_DIR}")
def test_native_results_match_fhirpathpy_on_one_example_per_resource_type() -> None:
    """Where fhirpathpy can evaluate an expression, both evaluators find the same values.

    fhirpathpy has no ``resolve()`` and rejects ``as`` on collections, so those
    expressions are skipped; its unions drop duplicates, ours keep them (rows are
    de-duplicated later), so values are compared as sets.
    """
    import fhirpathpy
    from fhirpathpy.models import models

    registry = SearchParameterRegistry.default()
    seen_types: set[str] = set()
    compared = 0
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        resource = json.loads(path.read_text(encoding="utf-8"))
        resource_type = resource.get("resourceType")
        if not resource_type or resource_type in seen_types:
            continue
        seen_types.add(resource_type)
        for parameter in registry.parameters_for(resource_type).values():
            expression = parameter.expression
            if expression is None or "resolve()" in expression or " as " in expression:
                continue
            ours = values(expression, resource)
            theirs = fhirpathpy.evaluate(
                resource, expression.replace("Resource.", f"{resource_type}."), {}, models["r4"]
            )
            assert _as_set(ours) == _as_set(theirs), (path.name, expression)
            compared += 1
    assert compared > 500


def _as_set(found: list[Any]) -> set[str]:
    return {json.dumps(value, sort_keys=True, default=float) for value in found}
