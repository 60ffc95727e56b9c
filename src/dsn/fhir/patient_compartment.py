"""Which patient(s) a resource belongs to: its Patient compartment membership.

Every row the store writes carries a patient key, so that ``$everything``,
consent checks and a patient's audit trail are index lookups, and so that the
data can one day be distributed by patient. The key comes from the R4 Patient
CompartmentDefinition (compiled into ``data/patient_compartment.json``): an
Observation is in the compartment of its ``subject`` and ``performer`` when
those are Patients, a Group in that of each ``member``, and so on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from dsn.fhir.fhirpath import CompiledPath, compile_path, parse_reference
from dsn.fhir.search_parameters import SearchParameterRegistry


@cache
def compartment_params() -> Mapping[str, tuple[str, ...]]:
    """Resource type -> codes of the parameters that link it to a Patient."""
    text = resources.files("dsn.fhir").joinpath("data/patient_compartment.json").read_text()
    return {resource_type: tuple(codes) for resource_type, codes in json.loads(text).items()}


@cache
def _paths(resource_type: str) -> tuple[CompiledPath, ...]:
    registry = SearchParameterRegistry.default()
    paths = []
    for code in compartment_params().get(resource_type, ()):
        parameter = registry.get(resource_type, code)
        if parameter is not None and parameter.expression:
            paths.append(compile_path(parameter.expression, resource_type))
    return tuple(paths)


def patient_ids(resource: Mapping[str, Any]) -> list[str]:
    """Ids of the Patients whose compartment ``resource`` is in, in order, without repeats.

    A Patient is in its own compartment only (``Patient.link`` to another
    patient does not make it part of that record). References are read as
    ``Patient/123``, ``Patient/123/_history/2`` or ``https://host/fhir/Patient/123``
    (all giving ``123``); contained (``#x``) and ``urn:uuid:`` references name
    no stored patient and are ignored, so a transaction must resolve them before
    calling this.
    """
    resource_type = resource.get("resourceType")
    if resource_type == "Patient":
        own_id = resource.get("id")
        return [own_id] if isinstance(own_id, str) and own_id else []
    if not isinstance(resource_type, str):
        return []
    found: dict[str, None] = {}
    for path in _paths(resource_type):
        for value, _ in path.evaluate(resource):
            patient_id = _patient_id(value)
            if patient_id is not None:
                found[patient_id] = None
    return list(found)


def _patient_id(value: Any) -> str | None:
    """The local Patient id a reference points to.

    Absolute references are ignored: ``https://other.example/fhir/Patient/123`` names
    another server's patient, and filing this resource under our ``Patient/123`` would
    put it in the wrong person's record (and past their consent). Clients refer to
    DSN's own patients relatively, as transactions do after resolving fullUrls.
    """
    reference = value.get("reference") if isinstance(value, dict) else None
    if not isinstance(reference, str) or "://" in reference:
        return None
    parsed = parse_reference(reference)
    if parsed is None or parsed.type != "Patient":
        return None
    return parsed.id
