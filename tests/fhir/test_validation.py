"""Behaviour of ``validate_resource`` on hand-made resources, one rule per test."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dsn.fhir.validation import ValidationIssue, validate_resource


def where(resource: object, **kwargs: Any) -> list[tuple[str, str]]:
    """(code, path) of every issue: the part of an issue tests usually pin down."""
    return [(issue.code, issue.path) for issue in validate_resource(resource, **kwargs)]


def single_issue(resource: object, **kwargs: Any) -> ValidationIssue:
    issues = validate_resource(resource, **kwargs)
    assert len(issues) == 1, issues
    return issues[0]


def patient(**elements: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", **elements}


def observation(**elements: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
    }
    return {**base, **elements}


# --------------------------------------------------------------------------- the resource itself


def test_valid_observation_has_no_issues() -> None:
    resource = observation(
        id="hr-1",
        meta={"versionId": "1", "lastUpdated": "2024-01-01T00:00:00Z", "profile": ["http://x/p"]},
        subject={"reference": "Patient/123"},
        effectiveDateTime="2024-01-01T10:00:00-05:00",
        valueQuantity={"value": 72, "unit": "beats/min", "system": "http://unitsofmeasure.org"},
    )
    assert validate_resource(resource) == []


@pytest.mark.parametrize("not_an_object", [[], "Patient", 42, None, True])
def test_a_resource_that_is_not_a_json_object_is_a_structure_error(not_an_object: object) -> None:
    issue = single_issue(not_an_object)
    assert (issue.severity, issue.code, issue.path) == ("error", "structure", "Resource")


def test_missing_resource_type_is_required() -> None:
    assert where({"id": "a"}) == [("required", "Resource")]


def test_unknown_resource_type_is_invalid_and_named_in_the_message() -> None:
    issue = single_issue({"resourceType": "Patiente"})
    assert issue.code == "invalid"
    assert "'Patiente'" in issue.message


def test_abstract_resource_types_are_not_accepted() -> None:
    assert where({"resourceType": "DomainResource"}) == [("invalid", "Resource")]


def test_resource_type_different_from_expected_type_is_reported() -> None:
    issue = single_issue(patient(), expected_type="Observation")
    assert (issue.code, issue.path) == ("invalid", "Patient")
    assert "Observation" in issue.message


def test_expected_type_matching_the_resource_type_is_fine() -> None:
    assert validate_resource(patient(), expected_type="Patient") == []


def test_resource_id_with_invalid_characters_is_reported_at_patient_id() -> None:
    assert where(patient(id="not valid!")) == [("value", "Patient.id")]


def test_resource_id_longer_than_64_characters_is_rejected() -> None:
    assert where(patient(id="a" * 65)) == [("value", "Patient.id")]


def test_meta_last_updated_without_timezone_is_reported_at_meta() -> None:
    resource = patient(meta={"lastUpdated": "2024-01-01T10:00:00"})
    assert where(resource) == [("value", "Patient.meta.lastUpdated")]


# --------------------------------------------------------------------------- unknown elements


def test_unknown_top_level_element_is_a_structure_error() -> None:
    issue = single_issue(patient(favouriteColour="blue"))
    assert (issue.code, issue.path) == ("structure", "Patient.favouriteColour")


def test_unknown_element_with_wrong_case_suggests_the_real_name() -> None:
    issue = single_issue(patient(birthdate="1980-01-01"))
    assert "did you mean 'birthDate'" in issue.message


def test_unknown_element_in_a_data_type_is_reported_at_its_path() -> None:
    resource = patient(name=[{"family": "Tremblay"}, {"given": ["Marie"], "nick": "Mimi"}])
    assert where(resource) == [("structure", "Patient.name[1].nick")]


def test_unknown_element_in_a_backbone_element_is_reported() -> None:
    resource = patient(contact=[{"name": {"family": "Roy"}, "mood": "happy"}])
    assert where(resource) == [("structure", "Patient.contact[0].mood")]


def test_resource_type_property_inside_a_data_type_is_unknown() -> None:
    resource = patient(name=[{"resourceType": "HumanName", "family": "Roy"}])
    assert where(resource) == [("structure", "Patient.name[0].resourceType")]


# --------------------------------------------------------------------------- JSON shapes


def test_repeating_element_given_as_a_single_object_must_be_an_array() -> None:
    issue = single_issue(patient(name={"family": "Roy"}))
    assert (issue.code, issue.path) == ("structure", "Patient.name")
    assert "array" in issue.message


def test_single_element_given_as_an_array_is_rejected() -> None:
    assert where(patient(gender=["male"])) == [("structure", "Patient.gender")]


def test_string_where_an_object_is_expected_is_a_structure_error() -> None:
    issue = single_issue(patient(maritalStatus="married"))
    assert (issue.code, issue.path) == ("structure", "Patient.maritalStatus")
    assert "CodeableConcept" in issue.message


def test_object_where_a_primitive_is_expected_is_a_structure_error() -> None:
    assert where(patient(birthDate={"value": "1980-01-01"})) == [("structure", "Patient.birthDate")]


def test_boolean_given_as_a_string_is_a_structure_error() -> None:
    assert where(patient(active="true")) == [("structure", "Patient.active")]


def test_null_value_is_rejected() -> None:
    issue = single_issue(patient(gender=None))
    assert (issue.code, issue.path) == ("structure", "Patient.gender")
    assert "null" in issue.message


def test_empty_object_is_rejected() -> None:
    assert where(patient(maritalStatus={})) == [("structure", "Patient.maritalStatus")]


def test_empty_array_is_rejected() -> None:
    assert where(patient(identifier=[])) == [("structure", "Patient.identifier")]


def test_empty_string_is_rejected() -> None:
    assert where(patient(name=[{"family": ""}])) == [("value", "Patient.name[0].family")]


def test_null_item_in_an_array_of_complex_elements_is_rejected() -> None:
    assert where(patient(name=[{"family": "Roy"}, None])) == [("structure", "Patient.name[1]")]


def test_element_holding_only_an_id_violates_ele_1() -> None:
    assert where(patient(maritalStatus={"id": "x"})) == [("invariant", "Patient.maritalStatus")]


# --------------------------------------------------------------------------- cardinality


def test_missing_required_element_is_reported_at_its_path() -> None:
    issue = single_issue({"resourceType": "Observation", "code": {"text": "Pulse"}})
    assert (issue.code, issue.path) == ("required", "Observation.status")


def test_missing_required_element_inside_a_backbone_element_names_its_index() -> None:
    resource = observation(
        component=[{"code": {"text": "a"}, "valueString": "x"}, {"valueString": "y"}]
    )
    assert where(resource) == [("required", "Observation.component[1].code")]


def test_missing_required_choice_lists_the_allowed_json_names() -> None:
    resource = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/1"},
    }
    issue = single_issue(resource)
    assert (issue.code, issue.path) == ("required", "MedicationRequest.medication[x]")
    assert "medicationCodeableConcept" in issue.message


def test_missing_required_element_of_a_data_type_is_reported() -> None:
    resource = patient(text={"div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'})
    assert where(resource) == [("required", "Patient.text.status")]


def test_a_primitive_present_only_through_its_extension_satisfies_cardinality() -> None:
    resource = {
        "resourceType": "Observation",
        "_status": {"extension": [{"url": "http://x/ext", "valueString": "unknown"}]},
        "code": {"text": "x"},
    }
    assert validate_resource(resource) == []


# --------------------------------------------------------------------------- choice types


def test_choice_element_is_accepted_under_its_typed_name() -> None:
    assert validate_resource(observation(valueString="positive")) == []


def test_two_choices_of_the_same_element_are_an_error() -> None:
    issue = single_issue(observation(valueString="a", valueBoolean=True))
    assert (issue.code, issue.path) == ("structure", "Observation.valueBoolean")
    assert "valueString" in issue.message


def test_choice_with_a_type_not_allowed_lists_the_allowed_types() -> None:
    issue = single_issue(observation(valueMoney={"value": 1}))
    assert (issue.code, issue.path) == ("structure", "Observation.valueMoney")
    assert "valueQuantity" in issue.message


def test_bare_choice_name_is_unknown() -> None:
    assert where(observation(value="x")) == [("structure", "Observation.value")]


def test_error_inside_a_choice_is_reported_with_the_json_name() -> None:
    resource = observation(valueQuantity={"value": "72"})
    assert where(resource) == [("structure", "Observation.valueQuantity.value")]


def test_simple_quantity_rejects_a_comparator() -> None:
    resource = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/1"},
        "medicationCodeableConcept": {"text": "x"},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 1, "comparator": "<"}}]}],
    }
    assert where(resource) == [
        (
            "structure",
            "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.comparator",
        )
    ]


# --------------------------------------------------------------------------- primitives


def test_birth_date_with_invalid_month_is_reported_at_patient_birthDate() -> None:
    issue = single_issue(patient(birthDate="1980-13-01"))
    assert (issue.severity, issue.code, issue.path) == ("error", "value", "Patient.birthDate")
    assert "'1980-13-01'" in issue.message


def test_birth_date_that_does_not_exist_is_rejected() -> None:
    assert where(patient(birthDate="2021-02-29")) == [("value", "Patient.birthDate")]


def test_date_time_with_time_but_without_timezone_is_rejected() -> None:
    resource = observation(effectiveDateTime="2024-01-01T10:00:00")
    assert where(resource) == [("value", "Observation.effectiveDateTime")]


def test_instant_requires_a_full_timestamp() -> None:
    resource = observation(issued="2024-01-01")
    assert where(resource) == [("value", "Observation.issued")]


def test_time_value_is_checked() -> None:
    assert where(observation(valueTime="25:00:00")) == [("value", "Observation.valueTime")]


def test_integer_given_as_a_fraction_is_rejected() -> None:
    assert where(observation(valueInteger=2.5)) == [("value", "Observation.valueInteger")]


def test_integer_out_of_32_bit_range_is_rejected() -> None:
    assert where(observation(valueInteger=2**31)) == [("value", "Observation.valueInteger")]


def test_boolean_is_not_accepted_as_a_decimal() -> None:
    resource = observation(valueQuantity={"value": True})
    assert where(resource) == [("structure", "Observation.valueQuantity.value")]


def test_unsigned_int_and_positive_int_ranges_are_checked() -> None:
    resource = {
        "resourceType": "ImagingStudy",
        "status": "available",
        "subject": {"reference": "Patient/1"},
        "numberOfSeries": -1,
        "series": [{"uid": "1.2.3", "modality": {"code": "CT"}, "number": 0}],
        "extension": [{"url": "http://x/count", "valuePositiveInt": 0}],
    }
    assert where(resource) == [
        ("value", "ImagingStudy.numberOfSeries"),
        ("value", "ImagingStudy.extension[0].valuePositiveInt"),
    ]


def test_code_with_surrounding_whitespace_is_rejected() -> None:
    resource = observation(code={"coding": [{"code": " 8867-4"}]})
    assert where(resource) == [("value", "Observation.code.coding[0].code")]


def test_uri_with_whitespace_is_rejected() -> None:
    resource = observation(code={"coding": [{"system": "http://loinc .org", "code": "1"}]})
    assert where(resource) == [("value", "Observation.code.coding[0].system")]


def test_base64_binary_is_checked() -> None:
    resource = {"resourceType": "Binary", "contentType": "text/plain", "data": "not base64!"}
    assert where(resource) == [("value", "Binary.data")]


def test_invalid_item_of_a_primitive_array_is_reported_with_its_index() -> None:
    resource = patient(name=[{"given": ["Marie", "", "Anne"]}])
    assert where(resource) == [("value", "Patient.name[0].given[1]")]


def test_narrative_div_must_be_an_xhtml_div() -> None:
    resource = patient(text={"status": "generated", "div": "Marie Tremblay"})
    assert where(resource) == [("value", "Patient.text.div")]


# --------------------------------------------------------------------------- primitive extensions


def test_primitive_extension_sibling_is_validated_as_an_element() -> None:
    resource = patient(
        birthDate="1980-01-01",
        _birthDate={"extension": [{"url": "http://x/time", "valueDateTime": "1980-01-01"}]},
    )
    assert validate_resource(resource) == []


def test_unknown_property_in_a_primitive_extension_sibling_is_reported() -> None:
    resource = patient(birthDate="1980-01-01", _birthDate={"value": "x"})
    assert where(resource) == [("structure", "Patient.birthDate.value")]


def test_underscore_form_of_a_complex_element_is_unknown() -> None:
    resource = patient(_maritalStatus={"extension": [{"url": "u", "valueString": "x"}]})
    issue = single_issue(resource)
    assert (issue.code, issue.path) == ("structure", "Patient._maritalStatus")


def test_primitive_arrays_may_hold_null_where_the_extension_array_has_an_item() -> None:
    resource = patient(
        name=[
            {
                "given": ["Marie", None],
                "_given": [None, {"extension": [{"url": "http://x/e", "valueString": "y"}]}],
            }
        ]
    )
    assert validate_resource(resource) == []


def test_null_in_a_primitive_array_without_an_extension_is_rejected() -> None:
    resource = patient(name=[{"given": ["Marie", None]}])
    assert where(resource) == [("structure", "Patient.name[0].given[1]")]


def test_extension_array_of_a_different_length_than_its_values_is_rejected() -> None:
    resource = patient(
        name=[{"given": ["Marie", "Anne"], "_given": [{"id": "g1"}]}],
    )
    assert where(resource) == [("structure", "Patient.name[0]._given")]


def test_extension_sibling_without_value_or_extension_violates_ele_1() -> None:
    resource = patient(_birthDate={"id": "b"})
    assert where(resource) == [("invariant", "Patient.birthDate")]


def test_single_primitive_extension_sibling_must_not_be_an_array() -> None:
    resource = patient(birthDate="1980-01-01", _birthDate=[{"id": "b"}])
    assert where(resource) == [("structure", "Patient._birthDate")]


# --------------------------------------------------------------------------- extensions


def test_extension_without_url_is_reported() -> None:
    resource = patient(extension=[{"valueString": "x"}])
    assert where(resource) == [("required", "Patient.extension[0].url")]


def test_extension_with_both_value_and_nested_extensions_violates_ext_1() -> None:
    resource = patient(
        extension=[
            {"url": "http://x/a", "valueString": "x", "extension": [{"url": "b", "valueCode": "c"}]}
        ]
    )
    assert where(resource) == [("invariant", "Patient.extension[0]")]


def test_extension_with_neither_value_nor_nested_extensions_violates_ext_1() -> None:
    assert where(patient(extension=[{"url": "http://x/a"}])) == [
        ("invariant", "Patient.extension[0]")
    ]


def test_extension_with_two_values_is_rejected() -> None:
    resource = patient(extension=[{"url": "http://x/a", "valueString": "x", "valueCode": "y"}])
    assert where(resource) == [("structure", "Patient.extension[0].valueCode")]


def test_modifier_extension_value_is_validated_like_any_element() -> None:
    resource = patient(modifierExtension=[{"url": "http://x/a", "valueDate": "2020-02-30"}])
    assert where(resource) == [("value", "Patient.modifierExtension[0].valueDate")]


def test_complex_extension_value_is_validated() -> None:
    resource = patient(
        extension=[{"url": "http://x/a", "valueCodeableConcept": {"coding": {"code": "x"}}}]
    )
    assert where(resource) == [("structure", "Patient.extension[0].valueCodeableConcept.coding")]


# --------------------------------------------------------------------------- nested resources


def test_contained_resource_is_validated_as_a_full_resource() -> None:
    resource = patient(contained=[{"resourceType": "Organization", "id": "o1", "active": "yes"}])
    assert where(resource) == [("structure", "Patient.contained[0].active")]


def test_contained_resource_without_id_is_reported() -> None:
    resource = patient(contained=[{"resourceType": "Organization", "name": "Clinique"}])
    assert where(resource) == [("required", "Patient.contained[0].id")]


def test_contained_resource_must_not_contain_resources() -> None:
    inner = {"resourceType": "Organization", "id": "o2", "name": "B"}
    outer = {"resourceType": "Organization", "id": "o1", "name": "A", "contained": [inner]}
    assert ("invariant", "Patient.contained[0].contained") in where(patient(contained=[outer]))


def test_contained_resource_must_not_carry_a_version() -> None:
    contained = {"resourceType": "Organization", "id": "o1", "meta": {"versionId": "2"}}
    assert where(patient(contained=[contained])) == [("invariant", "Patient.contained[0].meta")]


def test_bundle_entry_resources_are_validated_with_their_own_type() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": {"resourceType": "Observation", "status": "final"},
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    assert where(bundle) == [("required", "Bundle.entry[1].resource.code")]


def test_bundle_entry_with_unknown_resource_type_is_reported() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"x": 1}}]}
    assert where(bundle) == [("required", "Bundle.entry[0].resource")]


def test_parameters_resource_parts_are_validated() -> None:
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "p", "resource": patient(gender="femme")}],
    }
    assert where(parameters) == [("code-invalid", "Parameters.parameter[0].resource.gender")]


def test_bundle_response_outcome_must_be_an_operation_outcome() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [{"response": {"status": "201", "outcome": patient()}}],
    }
    assert where(bundle) == [("invalid", "Bundle.entry[0].response.outcome")]


# --------------------------------------------------------------------------- required bindings


def test_code_outside_a_required_value_set_is_code_invalid() -> None:
    issue = single_issue(patient(gender="femme"))
    assert (issue.code, issue.path) == ("code-invalid", "Patient.gender")
    assert "female" in issue.message


def test_required_binding_in_a_data_type_is_checked() -> None:
    resource = patient(telecom=[{"system": "fax-machine", "value": "555"}])
    assert where(resource) == [("code-invalid", "Patient.telecom[0].system")]


def test_required_binding_on_an_array_of_codes_reports_the_bad_item() -> None:
    resource = {
        "resourceType": "Practitioner",
        "extension": [
            {
                "url": "http://x/t",
                "valueTiming": {"repeat": {"dayOfWeek": ["mon", "lundi"]}},
            }
        ],
    }
    assert where(resource) == [
        ("code-invalid", "Practitioner.extension[0].valueTiming.repeat.dayOfWeek[1]")
    ]


def test_codeable_concept_with_required_binding_needs_a_coding_from_the_value_set() -> None:
    resource = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/1"},
        "clinicalStatus": {"coding": [{"system": "http://snomed.info/sct", "code": "55561003"}]},
    }
    assert where(resource) == [("code-invalid", "Condition.clinicalStatus")]


def test_codeable_concept_with_one_matching_coding_among_others_is_valid() -> None:
    resource = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/1"},
        "clinicalStatus": {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "55561003"},
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                },
            ]
        },
    }
    assert validate_resource(resource) == []


def test_required_binding_that_cannot_be_expanded_locally_is_not_enforced() -> None:
    # Attachment.contentType is bound to BCP-13 MIME types, which are not shipped.
    resource = {"resourceType": "Binary", "contentType": "application/x-anything"}
    assert validate_resource(resource) == []


# --------------------------------------------------------------------------- references


def test_reference_to_a_resource_type_the_element_does_not_allow_is_invalid() -> None:
    resource = observation(subject={"reference": "Medication/m1"})
    issue = single_issue(resource)
    assert (issue.code, issue.path) == ("invalid", "Observation.subject.reference")
    assert "Patient" in issue.message


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/123",
        "http://example.org/fhir/Patient/123/_history/2",
        "urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
        "#contained-1",
        "Patient?identifier=http://ramq.gouv.qc.ca|ABCD12345678",
    ],
)
def test_reference_forms_that_allow_the_target_are_accepted(reference: str) -> None:
    assert validate_resource(observation(subject={"reference": reference})) == []


# --------------------------------------------------------------------------- robustness


def test_issues_come_in_document_order_and_are_deterministic() -> None:
    resource = patient(gender="x", birthDate="bad", active="no", name={"family": "R"})
    first = validate_resource(resource)
    assert [issue.path for issue in first] == [
        "Patient.gender",
        "Patient.birthDate",
        "Patient.active",
        "Patient.name",
    ]
    assert validate_resource(copy.deepcopy(resource)) == first


def test_validation_does_not_modify_the_resource() -> None:
    resource = observation(valueQuantity={"value": 1}, extension=[{"url": "u"}])
    snapshot = copy.deepcopy(resource)
    validate_resource(resource)
    assert resource == snapshot


def test_absurdly_deep_nesting_is_reported_instead_of_crashing() -> None:
    extension: dict[str, Any] = {"url": "http://x/leaf", "valueString": "x"}
    for _ in range(5000):
        extension = {"url": "http://x/n", "extension": [extension]}
    issues = validate_resource(patient(extension=[extension]))
    assert issues and issues[-1].code == "too-costly"


def test_unhashable_values_in_coded_elements_do_not_crash() -> None:
    resource = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/1"},
        "clinicalStatus": {"coding": [{"system": ["a"], "code": {"c": 1}}]},
    }
    codes = [code for code, _ in where(resource)]
    assert codes == ["structure", "structure", "code-invalid"]


def test_narrative_div_cannot_carry_extensions() -> None:
    div = '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'
    resource = patient(text={"status": "generated", "div": div, "_div": {"id": "d"}})
    assert where(resource) == [("structure", "Patient.text._div")]


def test_contained_resource_must_not_carry_a_security_label() -> None:
    contained = {
        "resourceType": "Organization",
        "id": "o1",
        "meta": {"security": [{"system": "http://x", "code": "R"}]},
    }
    assert where(patient(contained=[contained])) == [
        ("invariant", "Patient.contained[0].meta.security")
    ]
