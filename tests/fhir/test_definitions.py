"""The compiled R4 definitions and their lookup helpers."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dsn.fhir import definitions
from dsn.fhir.definitions import (
    element_info,
    element_type,
    is_resource_type,
    required_value_set,
    summary_elements,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FHIR_R4_DIR = REPO_ROOT / ".." / "shared" / "fhir-r4"
DATA_DIR = REPO_ROOT / "src" / "dsn" / "fhir" / "data"


def test_resource_types_constant_is_a_frozenset_of_concrete_types() -> None:
    assert isinstance(definitions.RESOURCE_TYPES, frozenset)
    assert "Patient" in definitions.RESOURCE_TYPES
    assert "DomainResource" not in definitions.RESOURCE_TYPES


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Patient", True), ("Observation", True), ("patient", False), ("Resource", False), (3, False)],
)
def test_is_resource_type_is_exact(name: object, expected: bool) -> None:
    assert is_resource_type(name) is expected


@pytest.mark.parametrize(
    ("resource_type", "path", "types"),
    [
        ("Patient", "birthDate", ("date",)),
        ("Patient", "Patient.name.given", ("string",)),
        ("Patient", "id", ("id",)),
        ("Observation", "valueQuantity", ("Quantity",)),
        ("Observation", "valueQuantity.value", ("decimal",)),
        ("Observation", "effective[x]", ("dateTime", "Period", "Timing", "instant")),
        ("Observation", "component", ("BackboneElement",)),
        ("Observation", "component.referenceRange.low", ("Quantity",)),
        ("Observation", "subject", ("Reference",)),
        ("MedicationRequest", "dosageInstruction.doseAndRate.doseQuantity", ("Quantity",)),
        ("Bundle", "entry.resource", ("Resource",)),
        ("Patient", "nope", None),
        ("Observation", "value.value", None),
    ],
)
def test_element_type_resolves_paths_choice_names_and_content_references(
    resource_type: str, path: str, types: tuple[str, ...] | None
) -> None:
    assert element_type(resource_type, path) == types


def test_element_info_exposes_cardinality_binding_and_reference_targets() -> None:
    status = element_info("Observation", "status")
    assert status is not None
    assert (status.min, status.max, status.is_array) == (1, 1, False)
    assert status.binding == "http://hl7.org/fhir/ValueSet/observation-status"
    subject = element_info("Observation", "subject")
    assert subject is not None and "Patient" in subject.targets
    given = element_info("Patient", "name.given")
    assert given is not None and given.is_array and given.max is None


def test_required_value_set_expansion_maps_systems_to_codes() -> None:
    expansion = required_value_set("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1")
    assert expansion == {
        "http://hl7.org/fhir/administrative-gender": {"male", "female", "other", "unknown"}
    }
    assert required_value_set("http://hl7.org/fhir/ValueSet/mimetypes") is None


def test_summary_elements_follow_is_summary() -> None:
    summary = summary_elements("Patient")
    assert {"id", "meta", "name", "birthDate", "gender"} <= summary
    assert "photo" not in summary and "contact" not in summary


def _compile_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compile_fhir_definitions", REPO_ROOT / "scripts" / "compile_fhir_definitions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (FHIR_R4_DIR / "profiles-resources.json").is_file(),
    reason=f"official R4 definitions not found in {FHIR_R4_DIR}",
)
def test_checked_in_data_is_what_the_compile_script_produces(tmp_path: Path) -> None:
    module = _compile_script()
    assert module.main([str(FHIR_R4_DIR), "--output", str(tmp_path)]) == 0
    for name in ("structure.json.gz", "bindings.json.gz"):
        produced = (tmp_path / name).read_bytes()
        assert produced == (DATA_DIR / name).read_bytes(), f"{name} is stale: rerun the script"


def _code_system(url: str, concepts: list[dict[str, Any]], content: str = "complete") -> Any:
    return {"resourceType": "CodeSystem", "url": url, "content": content, "concept": concepts}


def _value_set(url: str, *include: dict[str, Any], exclude: Any = ()) -> dict[str, Any]:
    compose: dict[str, Any] = {"include": list(include)}
    if exclude:
        compose["exclude"] = list(exclude)
    return {"resourceType": "ValueSet", "url": url, "compose": compose}


def test_value_set_expansion_handles_hierarchies_filters_nested_sets_and_excludes() -> None:
    terminology = _compile_script().Terminology(
        [
            _code_system(
                "http://x/cs",
                [
                    {"code": "a", "concept": [{"code": "a1", "concept": [{"code": "a11"}]}]},
                    {"code": "b"},
                ],
            ),
            _code_system("http://x/partial", [{"code": "p"}], content="fragment"),
            _value_set(
                "http://x/all",
                {"system": "http://x/cs"},
                exclude=[{"system": "http://x/cs", "concept": [{"code": "b"}]}],
            ),
            _value_set(
                "http://x/isa",
                {
                    "system": "http://x/cs",
                    "filter": [{"property": "concept", "op": "is-a", "value": "a1"}],
                },
            ),
            _value_set(
                "http://x/desc",
                {
                    "system": "http://x/cs",
                    "filter": [{"property": "concept", "op": "descendent-of", "value": "a"}],
                },
            ),
            _value_set(
                "http://x/nested",
                {"valueSet": ["http://x/isa"]},
                {"system": "http://y", "concept": [{"code": "z"}]},
            ),
            _value_set("http://x/fragment", {"system": "http://x/partial"}),
            _value_set(
                "http://x/regex",
                {
                    "system": "http://x/cs",
                    "filter": [{"property": "concept", "op": "regex", "value": "a.*"}],
                },
            ),
        ]
    )
    assert terminology.expand("http://x/all") == {"http://x/cs": {"a", "a1", "a11"}}
    assert terminology.expand("http://x/isa") == {"http://x/cs": {"a1", "a11"}}
    assert terminology.expand("http://x/desc") == {"http://x/cs": {"a1", "a11"}}
    assert terminology.expand("http://x/nested") == {
        "http://x/cs": {"a1", "a11"},
        "http://y": {"z"},
    }
    assert terminology.expand("http://x/fragment") is None
    assert terminology.expand("http://x/regex") is None
    assert terminology.expand("http://x/missing") is None
