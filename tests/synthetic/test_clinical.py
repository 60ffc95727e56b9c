"""Synthetic clinical records: valid FHIR, coherent references, realistic content."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from dsn.fhir.validation import validate_resource
from dsn.synthetic.bundles import iter_people
from dsn.synthetic.catalog import (
    ALLERGIES,
    CONDITIONS,
    LABS,
    MEDICATIONS,
    SENSITIVE_CONDITION_CODES,
)
from dsn.synthetic.clinical import Entry, clinical_resources
from dsn.synthetic.facilities import facility_directory, regional_authorities
from dsn.synthetic.people import Person

Record = tuple[Person, list[Entry]]
ORGANIZATIONS = {f.reference for f in facility_directory()}


@pytest.fixture(scope="module")
def records() -> list[Record]:
    """600 natural-size histories over the whole province."""
    return [
        (person, clinical_resources(person, rng))
        for person, rng in iter_people("clinical", 600, regions=regional_authorities())
    ]


def _resources(records: list[Record], kind: str | None = None) -> Iterator[dict[str, Any]]:
    for _, entries in records:
        for _, resource in entries:
            if kind is None or resource["resourceType"] == kind:
                yield resource


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def test_every_resource_of_a_hundred_histories_is_valid_fhir(records: list[Record]) -> None:
    for _, entries in records[:100]:
        for url, resource in entries:
            assert validate_resource(resource) == [], (url, resource["resourceType"])


def test_a_sample_of_every_resource_type_is_valid_fhir(records: list[Record]) -> None:
    checked: Counter[str] = Counter()
    for resource in _resources(records[100:]):
        kind = resource["resourceType"]
        if checked[kind] < 300:
            checked[kind] += 1
            assert validate_resource(resource) == [], kind
    assert set(checked) == {
        "Encounter", "Condition", "AllergyIntolerance", "MedicationRequest",
        "Immunization", "Observation", "DiagnosticReport",
    }  # fmt: skip


def test_references_point_to_the_patient_earlier_entries_or_facilities(
    records: list[Record],
) -> None:
    for person, entries in records:
        earlier = {person.full_url}
        for url, resource in entries:
            for reference in _references(resource):
                assert reference in earlier or reference in ORGANIZATIONS, reference
            earlier.add(url)


def test_full_urls_are_unique_uuids(records: list[Record]) -> None:
    urls = [url for _, entries in records for url, _ in entries]
    assert len(urls) == len(set(urls))
    assert all(url.startswith("urn:uuid:") and len(url) == 45 for url in urls)


def test_encounters_happen_where_the_person_has_a_chart(records: list[Record]) -> None:
    for person, entries in records:
        charts = {f.reference for f in person.facilities}
        for _, resource in entries:
            if resource["resourceType"] == "Encounter":
                assert resource["serviceProvider"]["reference"] in charts


def test_all_three_encounter_classes_occur(records: list[Record]) -> None:
    classes = Counter(r["class"]["code"] for r in _resources(records, "Encounter"))
    assert set(classes) == {"AMB", "EMER", "IMP"}
    assert classes["AMB"] > classes["EMER"] > classes["IMP"]


@pytest.mark.parametrize("category", ["PSY", "ETH", "HIV", "STD", "SEX"])
def test_sensitive_conditions_occur_for_consent_tests(records: list[Record], category: str) -> None:
    codes = {code for code, sensitivity in SENSITIVE_CONDITION_CODES.items() if sensitivity == category}
    found = [r for r in _resources(records, "Condition") if r["code"]["coding"][0]["code"] in codes]
    assert found, category


def test_the_requested_codes_are_among_the_sensitive_ones() -> None:
    assert SENSITIVE_CONDITION_CODES["35489007"] == "PSY"  # depression
    assert SENSITIVE_CONDITION_CODES["197480006"] == "PSY"  # anxiety
    assert SENSITIVE_CONDITION_CODES["7200002"] == "ETH"  # alcohol use disorder
    assert SENSITIVE_CONDITION_CODES["86406008"] == "HIV"


def test_conditions_are_recorded_after_onset_and_resolved_after_that(records: list[Record]) -> None:
    for condition in _resources(records, "Condition"):
        onset = datetime.fromisoformat(condition["onsetDateTime"])
        assert onset <= datetime.fromisoformat(condition["recordedDate"])
        if condition["clinicalStatus"]["coding"][0]["code"] == "active":
            assert "abatementDateTime" not in condition
        else:
            assert datetime.fromisoformat(condition["abatementDateTime"]) > onset


def test_encounters_end_after_they_start(records: list[Record]) -> None:
    for encounter in _resources(records, "Encounter"):
        period = encounter["period"]
        assert datetime.fromisoformat(period["start"]) < datetime.fromisoformat(period["end"])


def test_medications_are_active_stopped_or_completed(records: list[Record]) -> None:
    statuses = Counter(r["status"] for r in _resources(records, "MedicationRequest"))
    assert {"active", "stopped", "completed"} <= set(statuses)


def test_nobody_allergic_to_penicillin_is_prescribed_one(records: list[Record]) -> None:
    penicillin = ALLERGIES["penicillin"].code
    penicillins = {m.code for m in MEDICATIONS.values() if m.contraindicated_by == "penicillin"}
    for _, entries in records:
        resources = [resource for _, resource in entries]
        allergic = any(
            r["resourceType"] == "AllergyIntolerance" and r["code"]["coding"][0]["code"] == penicillin
            for r in resources
        )
        if allergic:
            for r in resources:
                if r["resourceType"] == "MedicationRequest":
                    assert r["medicationCodeableConcept"]["coding"][0]["code"] not in penicillins


def test_lab_values_use_ucum_units_and_consistent_interpretations(records: list[Record]) -> None:
    units = {spec.code: spec.ucum for spec in LABS.values()}
    flags: Counter[str] = Counter()
    for observation in _resources(records, "Observation"):
        code = observation["code"]["coding"][0]["code"]
        quantity = observation["valueQuantity"]
        assert quantity["system"] == "http://unitsofmeasure.org"
        assert quantity["code"] == units[code]
        assert observation["category"][0]["coding"][0]["code"] == "laboratory"
        flag = observation["interpretation"][0]["coding"][0]["code"]
        flags[flag] += 1
        limits = observation["referenceRange"][0]
        if flag == "N":
            assert "low" not in limits or quantity["value"] >= limits["low"]["value"]
            assert "high" not in limits or quantity["value"] <= limits["high"]["value"]
        if flag == "H":
            assert quantity["value"] > limits["high"]["value"]
    assert flags["N"] > flags["H"] > 0 and flags["L"] > 0


def test_diabetics_have_higher_hba1c(records: list[Record]) -> None:
    diabetes = CONDITIONS["diabetes"].code
    by_group: dict[bool, list[float]] = {True: [], False: []}
    for _, entries in records:
        resources = [resource for _, resource in entries]
        diabetic = any(
            r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] == diabetes for r in resources
        )
        by_group[diabetic] += [
            r["valueQuantity"]["value"]
            for r in resources
            if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "4548-4"
        ]
    assert by_group[True] and by_group[False]
    mean = {group: sum(values) / len(values) for group, values in by_group.items()}
    assert mean[True] > mean[False] + 1


def test_reports_group_observations_of_their_own_encounter(records: list[Record]) -> None:
    for _, entries in records[:100]:
        by_url = dict(entries)
        for _, resource in entries:
            if resource["resourceType"] == "DiagnosticReport":
                for result in resource["result"]:
                    observation = by_url[result["reference"]]
                    assert observation["resourceType"] == "Observation"
                    assert observation["encounter"] == resource["encounter"]


def test_immunizations_include_influenza_and_covid(records: list[Record]) -> None:
    vaccines = Counter(r["vaccineCode"]["coding"][0]["code"] for r in _resources(records, "Immunization"))
    assert vaccines["140"] > 0 and vaccines["208"] > 0


def test_every_resource_is_tagged_as_test_data(records: list[Record]) -> None:
    for resource in _resources(records[:50]):
        assert resource["meta"]["tag"][0]["code"] == "HTEST"


@pytest.mark.parametrize("target", [1, 7, 250])
def test_a_target_gives_exactly_that_many_resources(target: int) -> None:
    for person, rng in iter_people("target", 20):
        entries = clinical_resources(person, rng, target=target)
        assert len(entries) == target
        earlier = {person.full_url}
        for url, resource in entries:
            assert all(ref in earlier or ref in ORGANIZATIONS for ref in _references(resource))
            earlier.add(url)
