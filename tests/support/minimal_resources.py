"""Minimal valid instances of every R4 resource type, built from the definitions.

``minimal_instance("Observation")`` fills exactly the elements the base specification
requires (recursively through required backbone elements), picks the first allowed type
of required choice elements, and draws codes from required value sets, so tests of the
store, the API or search can exercise every resource type without hand-written
fixtures.  The instances carry no ``id``: callers that need one add it.
"""

from __future__ import annotations

from typing import Any

from dsn.fhir import definitions
from dsn.fhir.definitions import ElementInfo, choice_suffix

# A valid sample of every primitive type (used when no binding constrains the value).
PRIMITIVE_SAMPLES: dict[str, Any] = {
    "base64Binary": "ZXhhbXBsZQ==",
    "boolean": True,
    "canonical": "http://example.org/fhir/StructureDefinition/example",
    "code": "example",
    "date": "2024-01-15",
    "dateTime": "2024-01-15T10:30:00-05:00",
    "decimal": 1.5,
    "id": "example",
    "instant": "2024-01-15T10:30:00Z",
    "integer": 1,
    "markdown": "Example",
    "oid": "urn:oid:2.16.840.1.113883.4.1",
    "positiveInt": 1,
    "string": "Example",
    "time": "10:30:00",
    "unsignedInt": 0,
    "uri": "http://example.org/fhir/example",
    "url": "http://example.org/fhir/example",
    "uuid": "urn:uuid:9d2f6c1e-3b7a-4c55-8e0f-1a2b3c4d5e6f",
    "xhtml": '<div xmlns="http://www.w3.org/1999/xhtml">Example</div>',
}

# Codes for required bindings whose value sets are not expanded locally.
UNEXPANDED_BINDING_SAMPLES: dict[str, str] = {
    "http://hl7.org/fhir/ValueSet/mimetypes": "text/plain",
    "http://hl7.org/fhir/ValueSet/currencies": "CAD",
    "http://hl7.org/fhir/ValueSet/ucum-units": "mg",
}

# A child that makes an element with no required children non-empty (ele-1).
_FILLERS: dict[str, tuple[str, Any]] = {
    "CodeableConcept": ("text", "Example"),
    "Reference": ("display", "Example"),
    "Identifier": ("value", "example"),
    "Coding": ("code", "example"),
    "Extension": ("valueString", "Example"),
}


def minimal_instance(resource_type: str) -> dict[str, Any]:
    """A minimal instance of ``resource_type`` that validates without errors."""
    if not definitions.is_resource_type(resource_type):
        raise ValueError(f"not an R4 resource type: {resource_type!r}")
    return {"resourceType": resource_type, **_fill_struct(resource_type)}


def _fill_struct(struct: str) -> dict[str, Any]:
    elements = definitions.struct_elements(struct)
    if elements is None:
        raise ValueError(f"unknown struct {struct!r}")
    result: dict[str, Any] = {}
    for info in elements.values():
        if info.min > 0:
            name, value = _element_value(info)
            result[name] = [value] if info.is_array else value
    if not result:
        name, value = _filler(struct, elements)
        result[name] = value
    return result


def _filler(struct: str, elements: Any) -> tuple[str, Any]:
    """A first child for a struct that requires none: its first plain primitive element."""
    if struct in _FILLERS:
        return _FILLERS[struct]
    for info in elements.values():
        if info.name in ("id", "extension", "modifierExtension") or info.choice:
            continue
        code = info.types[0]
        if definitions.is_primitive_type(code):
            name, value = _element_value(info)
            return name, [value] if info.is_array else value
    raise ValueError(f"no simple element to fill {struct!r}")


def _element_value(info: ElementInfo) -> tuple[str, Any]:
    """(JSON name, value) for one element, choosing the first type of a choice."""
    code = info.types[0]
    name = info.name + choice_suffix(code) if info.choice else info.name
    if definitions.is_primitive_type(code):
        return name, _primitive_value(code, info)
    if code == "Resource" or definitions.is_resource_type(code):
        return name, minimal_instance("Basic" if code == "Resource" else code)
    if info.binding and code in ("Coding", "CodeableConcept"):
        coding = _bound_coding(info.binding)
        if coding is not None:
            return name, {"coding": [coding]} if code == "CodeableConcept" else coding
    if code == "Reference" and info.targets:
        return name, {"reference": f"{info.targets[0]}/example"}
    return name, _fill_struct(code)


def _primitive_value(code: str, info: ElementInfo) -> Any:
    if info.binding and code == "code":
        coding = _bound_coding(info.binding)
        if coding is not None:
            return coding["code"]
        return UNEXPANDED_BINDING_SAMPLES.get(info.binding, PRIMITIVE_SAMPLES[code])
    return PRIMITIVE_SAMPLES[code]


def _bound_coding(value_set: str) -> dict[str, str] | None:
    expansion = definitions.required_value_set(value_set)
    if not expansion:
        return None
    system = sorted(expansion)[0]
    return {"system": system, "code": sorted(expansion[system])[0]}
