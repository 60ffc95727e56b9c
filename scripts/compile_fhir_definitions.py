"""Compile the official FHIR R4 (4.0.1) definitions into DSN's compact package data.

The official bundles weigh ~50 MB and hold far more than a validator needs, and they
are not shipped with DSN.  This script distils them into two small, deterministic,
gzip-compressed JSON files that are checked in under ``src/dsn/fhir/data/``:

``structure.json.gz``
    Every concrete resource type, every complex data type, every backbone element,
    and for each of them the elements it may hold: cardinality, allowed types
    (choice types keep their list; ``contentReference`` is resolved to the backbone
    it points to) and the value set of REQUIRED bindings.

``bindings.json.gz``
    The expansion (system -> codes) of every value set used by a required binding
    that can be expanded from the bundles alone.  Value sets that need an external
    terminology (UCUM, BCP-13 MIME types, ISO 4217, ...) are left out on purpose:
    the validator skips a binding it cannot expand rather than reject valid data.

Run from the repository root::

    .venv/bin/python scripts/compile_fhir_definitions.py [path/to/shared/fhir-r4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "fhir-r4"
OUTPUT_DIR = REPO_ROOT / "src" / "dsn" / "fhir" / "data"

FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SIMPLE_QUANTITY_PROFILE = "http://hl7.org/fhir/StructureDefinition/SimpleQuantity"
MONEY_QUANTITY_PROFILE = "http://hl7.org/fhir/StructureDefinition/MoneyQuantity"
PROFILE_STRUCTS = {
    SIMPLE_QUANTITY_PROFILE: "SimpleQuantity",
    MONEY_QUANTITY_PROFILE: "MoneyQuantity",
}

# FHIRPath system types used by the snapshots for the "value" of primitives and for
# ids/urls; when the fhir-type extension is absent they map to these FHIR types.
SYSTEM_TYPES = {
    "http://hl7.org/fhirpath/System.String": "string",
    "http://hl7.org/fhirpath/System.Boolean": "boolean",
    "http://hl7.org/fhirpath/System.Date": "date",
    "http://hl7.org/fhirpath/System.DateTime": "dateTime",
    "http://hl7.org/fhirpath/System.Decimal": "decimal",
    "http://hl7.org/fhirpath/System.Integer": "integer",
    "http://hl7.org/fhirpath/System.Time": "time",
}
BACKBONE_TYPES = frozenset({"BackboneElement", "Element"})

Json = dict[str, Any]


def load_bundle(path: Path) -> list[Json]:
    """Return the resources of a FHIR Bundle file."""
    with path.open("rb") as handle:
        bundle = json.load(handle)
    return [entry["resource"] for entry in bundle.get("entry", [])]


def structure_definitions(source: Path) -> list[Json]:
    """All StructureDefinitions of resources and data types, in bundle order."""
    found: list[Json] = []
    for name in ("profiles-types.json", "profiles-resources.json"):
        found.extend(
            r for r in load_bundle(source / name) if r["resourceType"] == "StructureDefinition"
        )
    return found


def is_concrete_resource(sd: Json) -> bool:
    return sd["kind"] == "resource" and not sd.get("abstract", False)


def is_compiled_type(sd: Json) -> bool:
    """Complex data types (and the two Quantity profiles core elements point to)."""
    if sd["kind"] != "complex-type" or sd.get("abstract", False):
        return False
    return sd.get("derivation") == "specialization" or sd["url"] in PROFILE_STRUCTS


def struct_name(sd: Json) -> str:
    """The name DSN gives the root struct of a definition (the profile id for profiles)."""
    return PROFILE_STRUCTS.get(sd["url"], sd["type"])


def element_type_codes(element: Json, *, is_resource_id: bool) -> list[str]:
    """FHIR type codes of an element, with system types and profiles resolved."""
    if is_resource_id:
        # The 4.0.1 snapshots type Resource.id as System.String/"string", but the
        # specification (and every validator) constrains it to the `id` type.
        return ["id"]
    codes: list[str] = []
    for type_ref in element.get("type", []):
        code = type_ref["code"]
        if code in SYSTEM_TYPES:
            fhir_types = [
                ext.get("valueUrl")
                for ext in type_ref.get("extension", [])
                if ext["url"] == FHIR_TYPE_EXTENSION and ext.get("valueUrl")
            ]
            code = fhir_types[0] if fhir_types else SYSTEM_TYPES[code]
        profiles = [p for p in type_ref.get("profile", []) if p in PROFILE_STRUCTS]
        if profiles:
            code = PROFILE_STRUCTS[profiles[0]]
        codes.append(code)
    return codes


def required_value_set(element: Json) -> str | None:
    binding = element.get("binding")
    if not binding or binding.get("strength") != "required" or "valueSet" not in binding:
        return None
    return str(binding["valueSet"]).split("|", 1)[0]


def reference_targets(element: Json) -> list[str]:
    """Resource types a Reference element may point to (empty: any resource)."""
    targets: list[str] = []
    for type_ref in element.get("type", []):
        if type_ref["code"] != "Reference":
            continue
        for profile in type_ref.get("targetProfile", []):
            name = profile.rsplit("/", 1)[-1]
            if name == "Resource":
                return []
            if name not in targets:
                targets.append(name)
    return targets


def compile_definition(sd: Json) -> dict[str, dict[str, Json]]:
    """Turn one snapshot into ``{struct key: {element name: element info}}``.

    The struct key of the root is the type name; backbone elements get the key of
    their full path with the root replaced by the struct name (``Observation.component``).
    """
    name = struct_name(sd)
    elements = sd["snapshot"]["element"]
    root_path = elements[0]["path"]
    backbone_paths = {
        el["path"]
        for el in elements[1:]
        if "contentReference" not in el
        and any(t["code"] in BACKBONE_TYPES for t in el.get("type", []))
    }

    def key_of(path: str) -> str:
        return name + path[len(root_path) :]

    structs: dict[str, dict[str, Json]] = {name: {}}
    for path in sorted(backbone_paths):
        structs[key_of(path)] = {}
    for el in elements[1:]:
        path = el["path"]
        if el["max"] == "0":
            continue  # prohibited by a profile: treated as unknown
        parent, _, element_name = path.rpartition(".")
        info: Json = {"min": int(el["min"]), "max": None if el["max"] == "*" else int(el["max"])}
        if "contentReference" in el:
            info["types"] = [key_of(el["contentReference"].lstrip("#"))]
        elif path in backbone_paths:
            info["types"] = [key_of(path)]
        else:
            is_resource_id = sd["kind"] == "resource" and path == f"{root_path}.id"
            info["types"] = element_type_codes(el, is_resource_id=is_resource_id)
        if element_name.endswith("[x]"):
            element_name = element_name[:-3]
            info["choice"] = True
        elif len(info["types"]) != 1:
            # The validator relies on this: only choice elements have several types.
            raise ValueError(f"{path}: expected exactly one type, got {info['types']}")
        value_set = required_value_set(el)
        if value_set:
            info["binding"] = value_set
        targets = reference_targets(el)
        if targets:
            info["targets"] = targets
        if el.get("isSummary"):
            info["summary"] = True
        if el.get("isModifier"):
            info["modifier"] = True
        structs[key_of(parent)][element_name] = info
    return structs


# --------------------------------------------------------------------------- value sets


class Terminology:
    """Value sets and code systems from the bundles, able to expand simple composes."""

    def __init__(self, resources: Iterable[Json]) -> None:
        self.value_sets: dict[str, Json] = {}
        self.code_systems: dict[str, Json] = {}
        for resource in resources:
            if resource["resourceType"] == "ValueSet":
                self.value_sets.setdefault(resource["url"], resource)
            elif resource["resourceType"] == "CodeSystem":
                self.code_systems.setdefault(resource["url"], resource)

    def expand(self, url: str, _seen: frozenset[str] = frozenset()) -> dict[str, set[str]] | None:
        """Return ``{system: codes}`` or None when the set cannot be expanded locally."""
        value_set = self.value_sets.get(url)
        if value_set is None or url in _seen:
            return None
        compose = value_set.get("compose")
        if not compose or not compose.get("include"):
            return None
        result: dict[str, set[str]] = {}
        for include in compose["include"]:
            part = self._expand_include(include, _seen | {url})
            if part is None:
                return None
            for system, codes in part.items():
                result.setdefault(system, set()).update(codes)
        for exclude in compose.get("exclude", []):
            part = self._expand_include(exclude, _seen | {url})
            if part is None:
                return None
            for system, codes in part.items():
                result.get(system, set()).difference_update(codes)
        return result

    def _expand_include(self, include: Json, seen: frozenset[str]) -> dict[str, set[str]] | None:
        if include.get("filter"):
            return self._expand_filters(include, seen)
        result: dict[str, set[str]] | None = None
        if "system" in include:
            system = include["system"]
            if "concept" in include:
                codes = {c["code"] for c in include["concept"]}
            else:
                all_codes = self._all_codes(system)
                if all_codes is None:
                    return None
                codes = all_codes
            result = {system: codes}
        for nested_url in include.get("valueSet", []):
            nested = self.expand(nested_url.split("|", 1)[0], seen)
            if nested is None:
                return None
            result = nested if result is None else _intersect(result, nested)
        return result

    def _expand_filters(self, include: Json, seen: frozenset[str]) -> dict[str, set[str]] | None:
        """Support the hierarchical filters (is-a, descendent-of) on local code systems."""
        system = include.get("system")
        code_system = self.code_systems.get(system or "")
        if code_system is None or include.get("valueSet") or include.get("concept"):
            return None
        codes: set[str] | None = None
        for flt in include["filter"]:
            if flt.get("property") != "concept" or flt.get("op") not in ("is-a", "descendent-of"):
                return None
            root = _find_concept(code_system.get("concept", []), flt["value"])
            if root is None:
                return None
            selected = set(_codes_of(root.get("concept", [])))
            if flt["op"] == "is-a":
                selected.add(root["code"])
            codes = selected if codes is None else codes & selected
        return {str(system): codes or set()}

    def _all_codes(self, system: str) -> set[str] | None:
        code_system = self.code_systems.get(system)
        if code_system is None or code_system.get("content") != "complete":
            return None
        return set(_codes_of(code_system.get("concept", [])))


def _codes_of(concepts: list[Json]) -> Iterator[str]:
    for concept in concepts:
        yield concept["code"]
        yield from _codes_of(concept.get("concept", []))


def _find_concept(concepts: list[Json], code: str) -> Json | None:
    for concept in concepts:
        if concept["code"] == code:
            return concept
        found = _find_concept(concept.get("concept", []), code)
        if found is not None:
            return found
    return None


def _intersect(a: dict[str, set[str]], b: dict[str, set[str]]) -> dict[str, set[str]]:
    return {system: codes & b[system] for system, codes in a.items() if system in b}


# --------------------------------------------------------------------------- main


def compile_all(source: Path) -> tuple[Json, Json, list[str]]:
    """Return (structure data, bindings data, value sets that could not be expanded)."""
    definitions = structure_definitions(source)
    resources = sorted(sd["type"] for sd in definitions if is_concrete_resource(sd))
    primitives = sorted(sd["type"] for sd in definitions if sd["kind"] == "primitive-type")
    structs: dict[str, dict[str, Json]] = {}
    datatypes: list[str] = []
    for sd in definitions:
        if is_concrete_resource(sd) or is_compiled_type(sd) or sd["type"] == "Element":
            structs.update(compile_definition(sd))
            if sd["kind"] == "complex-type":
                datatypes.append(struct_name(sd))
    terminology = Terminology(
        [*load_bundle(source / "valuesets.json"), *load_bundle(source / "v3-codesystems.json")]
    )
    bound = sorted(
        {
            info["binding"]
            for elements in structs.values()
            for info in elements.values()
            if "binding" in info
        }
    )
    expansions: dict[str, Json] = {}
    unexpanded: list[str] = []
    for url in bound:
        expansion = terminology.expand(url)
        if expansion is None or not any(expansion.values()):
            unexpanded.append(url)
            continue
        title = terminology.value_sets[url].get("title") or terminology.value_sets[url].get(
            "name", ""
        )
        expansions[url] = {
            "title": title,
            "codes": {
                system: sorted(codes) for system, codes in sorted(expansion.items()) if codes
            },
        }
    structure = {
        "fhirVersion": "4.0.1",
        "resourceTypes": resources,
        "primitiveTypes": primitives,
        "dataTypes": sorted(datatypes),
        "structs": {key: structs[key] for key in sorted(structs)},
    }
    bindings = {"fhirVersion": "4.0.1", "valueSets": expansions, "notExpanded": unexpanded}
    return structure, bindings, unexpanded


def write_gzip_json(path: Path, data: Json) -> int:
    """Write deterministic gzip JSON (sorted keys, no timestamp) and return its size."""
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle,
    ):
        handle.write(payload.encode("utf-8"))
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    source: Path = args.source.resolve()
    if not (source / "profiles-resources.json").is_file():
        print(f"error: no FHIR R4 definitions in {source}", file=sys.stderr)
        return 2
    structure, bindings, unexpanded = compile_all(source)
    args.output.mkdir(parents=True, exist_ok=True)
    size_structure = write_gzip_json(args.output / "structure.json.gz", structure)
    size_bindings = write_gzip_json(args.output / "bindings.json.gz", bindings)
    print(
        f"{len(structure['resourceTypes'])} resource types, {len(structure['structs'])} structs "
        f"({size_structure} bytes); {len(bindings['valueSets'])} required value sets "
        f"({size_bindings} bytes); not expandable locally: {', '.join(unexpanded) or 'none'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
