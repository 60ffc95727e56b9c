"""The FHIR R4 (4.0.1) model as compiled by ``scripts/compile_fhir_definitions.py``.

The package ships two small derived files (``data/structure.json.gz`` and
``data/bindings.json.gz``) instead of the 50 MB of official definitions.  They are read
once, on first use, and cached for the life of the process.

Vocabulary used here:

* a *struct* is anything with child elements: a resource type (``"Observation"``), a
  complex data type (``"Quantity"``, ``"SimpleQuantity"``) or a backbone element, keyed
  by its path (``"Observation.component"``);
* an element's ``types`` are FHIR type codes (``"string"``, ``"CodeableConcept"``,
  ``"Resource"``), or struct keys for backbone elements; ``contentReference`` elements
  (``Observation.component.referenceRange``) already point at the struct they reuse;
* choice elements (``value[x]``) are stored once under their base name (``"value"``)
  with ``choice=True``; in JSON they appear as ``value`` + capitalised type name.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

FHIR_VERSION: Final = "4.0.1"

# Profiles of Quantity that core elements refer to: their JSON name and FHIR type stay
# "Quantity" (valueQuantity, not valueSimpleQuantity), only their structure differs.
_PROFILED_TYPES: Final = MappingProxyType(
    {"SimpleQuantity": "Quantity", "MoneyQuantity": "Quantity"}
)


@dataclass(frozen=True, slots=True)
class ElementInfo:
    """What the definitions say about one element of a struct."""

    name: str  # element name, without "[x]" for choice elements
    min: int
    max: int | None  # None means unbounded ("*")
    types: tuple[str, ...]  # type codes or backbone struct keys
    choice: bool = False
    binding: str | None = None  # value set URL of a REQUIRED binding
    targets: tuple[str, ...] = ()  # Reference target resource types; empty means any
    summary: bool = False
    modifier: bool = False

    @property
    def is_array(self) -> bool:
        """R4 JSON: an element that may repeat is always an array, even with one item."""
        return self.max is None or self.max > 1

    def json_names(self) -> dict[str, str]:
        """JSON property name -> type code (one entry unless this is a choice element)."""
        if not self.choice:
            return {self.name: self.types[0]}  # only choice elements have several types
        return {self.name + choice_suffix(code): code for code in self.types}


def choice_suffix(type_code: str) -> str:
    """The suffix a type adds to a choice element name: dateTime -> DateTime."""
    code = _PROFILED_TYPES.get(type_code, type_code)
    return code[0].upper() + code[1:]


def fhir_type_name(type_code: str) -> str:
    """The FHIR type behind a compiled type code (profiles and backbone keys resolved)."""
    if "." in type_code:
        return (
            "BackboneElement"
            if type_code.split(".", 1)[0] in _data()["resource_types"]
            else "Element"
        )
    return _PROFILED_TYPES.get(type_code, type_code)


@cache
def _data() -> dict[str, Any]:
    """Load and index the compiled structure data (once per process)."""
    raw = _load_json("structure.json.gz")
    structs: dict[str, Mapping[str, ElementInfo]] = {}
    for key, elements in raw["structs"].items():
        structs[key] = MappingProxyType(
            {name: _element_info(name, info) for name, info in elements.items()}
        )
    return {
        "resource_types": frozenset(raw["resourceTypes"]),
        "primitive_types": frozenset(raw["primitiveTypes"]),
        "data_types": frozenset(raw["dataTypes"]),
        "structs": MappingProxyType(structs),
    }


@cache
def _bindings() -> Mapping[str, tuple[str, Mapping[str, frozenset[str]]]]:
    raw = _load_json("bindings.json.gz")
    return MappingProxyType(
        {
            url: (
                entry.get("title", ""),
                MappingProxyType(
                    {system: frozenset(codes) for system, codes in entry["codes"].items()}
                ),
            )
            for url, entry in raw["valueSets"].items()
        }
    )


def _load_json(name: str) -> dict[str, Any]:
    payload = resources.files("dsn.fhir").joinpath("data", name).read_bytes()
    result: dict[str, Any] = json.loads(gzip.decompress(payload))
    return result


def _element_info(name: str, info: dict[str, Any]) -> ElementInfo:
    return ElementInfo(
        name=name,
        min=info["min"],
        max=info["max"],
        types=tuple(info["types"]),
        choice=info.get("choice", False),
        binding=info.get("binding"),
        targets=tuple(info.get("targets", ())),
        summary=info.get("summary", False),
        modifier=info.get("modifier", False),
    )


# --------------------------------------------------------------------------- public API


# Declared for type checkers; the values come from __getattr__ on first access.
RESOURCE_TYPES: frozenset[str]
PRIMITIVE_TYPES: frozenset[str]
DATA_TYPES: frozenset[str]


def __getattr__(name: str) -> frozenset[str]:
    """Lazy module constants: the data file is read on first access, not at import."""
    if name == "RESOURCE_TYPES":
        return resource_types()
    if name == "PRIMITIVE_TYPES":
        return primitive_types()
    if name == "DATA_TYPES":
        return data_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def resource_types() -> frozenset[str]:
    """All concrete R4 resource types (``RESOURCE_TYPES``)."""
    result: frozenset[str] = _data()["resource_types"]
    return result


def primitive_types() -> frozenset[str]:
    result: frozenset[str] = _data()["primitive_types"]
    return result


def data_types() -> frozenset[str]:
    """Complex data types, including the SimpleQuantity/MoneyQuantity profiles."""
    result: frozenset[str] = _data()["data_types"]
    return result


def is_resource_type(name: object) -> bool:
    return isinstance(name, str) and name in _data()["resource_types"]


def is_primitive_type(name: str) -> bool:
    return name in _data()["primitive_types"]


def struct_elements(struct: str) -> Mapping[str, ElementInfo] | None:
    """Elements of a resource type, complex data type or backbone struct key, by name."""
    structs: Mapping[str, Mapping[str, ElementInfo]] = _data()["structs"]
    return structs.get(struct)


def struct_names() -> frozenset[str]:
    structs: Mapping[str, Mapping[str, ElementInfo]] = _data()["structs"]
    return frozenset(structs)


def required_value_set(url: str) -> Mapping[str, frozenset[str]] | None:
    """Expansion ``{system: codes}`` of a required-binding value set, or None.

    None means the value set cannot be expanded from the bundled definitions (it
    draws on UCUM, MIME types, ISO 4217, ...): callers must then skip the check.
    """
    entry = _bindings().get(url.split("|", 1)[0])
    return entry[1] if entry else None


def value_set_title(url: str) -> str:
    entry = _bindings().get(url.split("|", 1)[0])
    return entry[0] if entry and entry[0] else url


def element_info(resource_type: str, path: str) -> ElementInfo | None:
    """Look up an element by dotted path, e.g. ``("Observation", "component.code")``.

    The path may start with the type name (``"Observation.component.code"``), and its
    steps may use choice JSON names (``"valueQuantity.value"``) or base names
    (``"value"``).  Returns None for unknown paths and for paths that continue through
    a choice element of several types or through a contained resource.
    """
    found = _resolve(resource_type, path)
    return found[0] if found else None


def element_type(resource_type: str, path: str) -> tuple[str, ...] | None:
    """FHIR type(s) at a dotted path: ``("Patient", "birthDate")`` -> ``("date",)``.

    A choice JSON name narrows to its type (``"valueQuantity"`` -> ``("Quantity",)``);
    the base name of a choice returns every allowed type.  Backbone elements report
    ``"BackboneElement"`` (``"Element"`` inside data types).
    """
    found = _resolve(resource_type, path)
    if found is None:
        return None
    return tuple(fhir_type_name(code) for code in found[1])


def summary_elements(struct: str) -> frozenset[str]:
    """Names of the elements flagged isSummary in a struct (for ``_summary=true``)."""
    elements = struct_elements(struct) or {}
    return frozenset(name for name, info in elements.items() if info.summary)


def _resolve(resource_type: str, path: str) -> tuple[ElementInfo, tuple[str, ...]] | None:
    steps = path.split(".")
    if steps and steps[0] == resource_type:
        steps = steps[1:]
    struct: str | None = resource_type
    result: tuple[ElementInfo, tuple[str, ...]] | None = None
    for step in steps:
        if struct is None:
            return None
        elements = struct_elements(struct)
        if elements is None:
            return None
        result = _step(elements, step.removesuffix("[x]"))
        if result is None:
            return None
        codes = result[1]
        struct = codes[0] if len(codes) == 1 and struct_elements(codes[0]) is not None else None
    return result


def _step(
    elements: Mapping[str, ElementInfo], step: str
) -> tuple[ElementInfo, tuple[str, ...]] | None:
    info = elements.get(step)
    if info is not None:
        return info, info.types
    for candidate in elements.values():
        if candidate.choice and step.startswith(candidate.name):
            for code in candidate.types:
                if candidate.name + choice_suffix(code) == step:
                    return candidate, (code,)
    return None
