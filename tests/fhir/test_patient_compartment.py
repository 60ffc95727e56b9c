"""The patient key of every row: which Patient compartment(s) a resource is in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsn.fhir.patient_compartment import compartment_params, patient_ids

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SYNTHEA_DIR = SHARED / "testdata" / "synthea"


def observation(**elements: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o1", "status": "final", **elements}


def test_a_patient_is_in_its_own_compartment_only() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "link": [{"other": {"reference": "Patient/p2"}, "type": "seealso"}],
    }
    assert patient_ids(patient) == ["p1"]


def test_patient_without_id_has_no_key_yet() -> None:
    assert patient_ids({"resourceType": "Patient"}) == []


def test_observation_belongs_to_its_subject_patient() -> None:
    assert patient_ids(observation(subject={"reference": "Patient/p1"})) == ["p1"]


@pytest.mark.parametrize("reference", ["Patient/123", "Patient/123/_history/7"])
def test_relative_and_versioned_references_give_the_patient_id(reference: str) -> None:
    assert patient_ids(observation(subject={"reference": reference})) == ["123"]


@pytest.mark.parametrize(
    "reference",
    ["https://dsn.example.qc.ca/fhir/Patient/123", "http://other.example/fhir/Patient/123/_history/1"],
)
def test_absolute_references_never_file_a_resource_under_a_local_patient(reference: str) -> None:
    """Another server's Patient/123 is not ours: filing under it would breach a record."""
    assert patient_ids(observation(subject={"reference": reference})) == []


@pytest.mark.parametrize("reference", ["urn:uuid:5d0d1e48-7ef8-4f54-9d84-5b1a5a1bbc0a", "#p", "Group/g1"])
def test_bundle_local_contained_and_non_patient_references_are_ignored(reference: str) -> None:
    resource = observation(subject={"reference": reference}, contained=[{"resourceType": "Patient", "id": "p"}])
    assert patient_ids(resource) == []


def test_every_compartment_link_counts_once_in_order() -> None:
    resource = observation(
        subject={"reference": "Patient/p1"},
        performer=[{"reference": "Patient/p2"}, {"reference": "Practitioner/d"}],
        focus=[{"reference": "Patient/p3"}],  # focus is not a Patient-compartment parameter
    )
    resource["performer"].append({"reference": "Patient/p1"})
    assert patient_ids(resource) == ["p1", "p2"]


def test_group_is_in_the_compartment_of_each_member() -> None:
    group = {
        "resourceType": "Group",
        "type": "person",
        "actual": True,
        "member": [{"entity": {"reference": "Patient/a"}}, {"entity": {"reference": "Patient/b"}}],
    }
    assert patient_ids(group) == ["a", "b"]


def test_resource_types_outside_the_compartment_have_no_patient() -> None:
    organization = {
        "resourceType": "Organization",
        "id": "org",
        "partOf": {"reference": "Patient/x"},
    }
    assert "Organization" not in compartment_params()
    assert patient_ids(organization) == []


def test_compartment_definition_is_compiled_for_the_clinical_types() -> None:
    params = compartment_params()
    assert params["Observation"] == ("subject", "performer")
    assert params["Patient"] == ("link",)
    assert len(params) == 67


def _rewrite_bundle_references(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """What a transaction does before indexing: ``urn:uuid:`` fullUrls become ``Type/id``."""
    local = {
        entry["fullUrl"]: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
        for entry in bundle["entry"]
        if "fullUrl" in entry and "id" in entry["resource"]
    }
    text = json.dumps([entry["resource"] for entry in bundle["entry"]])
    for full_url, relative in local.items():
        text = text.replace(f'"{full_url}"', f'"{relative}"')
    resources: list[dict[str, Any]] = json.loads(text)
    return resources


@pytest.mark.skipif(not SYNTHEA_DIR.is_dir(), reason=f"Synthea bundles not found in {SYNTHEA_DIR}")
def test_every_synthea_clinical_resource_belongs_to_its_bundle_patient() -> None:
    checked = 0
    for path in sorted(SYNTHEA_DIR.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        resources = _rewrite_bundle_references(bundle)
        patients = [r["id"] for r in resources if r["resourceType"] == "Patient"]
        if len(patients) != 1:
            continue  # the hospital and practitioner bundles
        for resource in resources:
            if resource["resourceType"] in compartment_params():
                assert patient_ids(resource) == patients, resource["resourceType"]
                checked += 1
            else:
                assert patient_ids(resource) == []
    assert checked > 1000
