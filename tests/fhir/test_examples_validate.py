"""Real-world data must validate: the official R4 examples, Synthea bundles, and the
minimal instance of every resource type.

These are the tests that keep the validator honest in the other direction: a validator
that rejects valid data is as wrong as one that accepts invalid data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from dsn.fhir.definitions import resource_types
from dsn.fhir.validation import ValidationIssue, validate_resource
from tests.support.known_invalid_examples import KNOWN_INVALID_EXAMPLES
from tests.support.minimal_resources import minimal_instance

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
EXAMPLES_DIR = SHARED / "testdata" / "r4-examples"
SYNTHEA_DIR = SHARED / "testdata" / "synthea"


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


EXAMPLE_FILES = _files(EXAMPLES_DIR)
SYNTHEA_FILES = _files(SYNTHEA_DIR)
needs_examples = pytest.mark.skipif(
    not EXAMPLE_FILES, reason=f"official R4 examples not found in {EXAMPLES_DIR}"
)
needs_synthea = pytest.mark.skipif(
    not SYNTHEA_FILES, reason=f"Synthea bundles not found in {SYNTHEA_DIR}"
)


def _load(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _describe(issues: list[ValidationIssue]) -> str:
    return "\n".join(f"{i.code} {i.path}: {i.message}" for i in issues[:20])


@needs_examples
@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLE_FILES if p.name not in KNOWN_INVALID_EXAMPLES],
    ids=lambda p: p.name,
)
def test_official_example_validates_without_issues(path: Path) -> None:
    issues = validate_resource(_load(path))
    assert issues == [], _describe(issues)


@needs_examples
@pytest.mark.parametrize("name", sorted(KNOWN_INVALID_EXAMPLES))
def test_known_invalid_example_is_still_rejected(name: str) -> None:
    """An entry that no longer fails is stale and must leave the list."""
    path = EXAMPLES_DIR / name
    assert path.is_file(), f"{name} is listed as known invalid but does not exist"
    assert validate_resource(_load(path)) != []


@needs_synthea
@pytest.mark.parametrize("path", SYNTHEA_FILES, ids=lambda p: p.name)
def test_synthea_bundle_and_each_of_its_resources_validate(path: Path) -> None:
    bundle = _load(path)
    issues = validate_resource(bundle, expected_type="Bundle")
    assert issues == [], _describe(issues)
    for index, entry in enumerate(bundle.get("entry", [])):
        resource = entry["resource"]
        issues = validate_resource(resource, expected_type=resource["resourceType"])
        assert issues == [], f"entry {index}:\n{_describe(issues)}"


def test_there_are_about_145_concrete_resource_types() -> None:
    types = resource_types()
    assert 140 <= len(types) <= 150
    assert {"Patient", "Observation", "Bundle", "Parameters", "Binary"} <= types
    assert not {"Resource", "DomainResource", "MetadataResource"} & types


@pytest.mark.parametrize("resource_type", sorted(resource_types()))
def test_minimal_instance_of_every_resource_type_validates(resource_type: str) -> None:
    resource = minimal_instance(resource_type)
    assert resource["resourceType"] == resource_type and "id" not in resource
    issues = validate_resource(resource, expected_type=resource_type)
    assert issues == [], _describe(issues)
