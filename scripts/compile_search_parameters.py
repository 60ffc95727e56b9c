"""Compile the official R4 search definitions into the package data DSN ships.

The FHIR R4 downloads (``../shared/fhir-r4``) are not present on a user's machine,
so everything the search layer needs at run time is derived here once and
committed under ``src/dsn/fhir/data/``:

``search_parameters.json``
    Every SearchParameter, reduced to what indexing and querying use, with the
    FHIRPath expression split per base resource type (the core definitions share
    one parameter between many types with a ``|`` union such as
    ``AllergyIntolerance.code | Condition.code | ...``) and with each composite
    component resolved to the code and type of the parameter it points to.
``patient_compartment.json``
    Resource type -> codes of the search parameters that put a resource of that
    type in a Patient's compartment.
``search_element_types.json``
    Element name -> FHIR type(s) for every resource, backbone element and complex
    datatype; the FHIRPath compiler uses it to type values statically and to map
    choice elements (``value[x]``) to their JSON names (``valueQuantity``).

Run from the repository root::

    .venv/bin/python scripts/compile_search_parameters.py [--source ../shared/fhir-r4]

The output is deterministic (sorted keys, sorted lists) so that a re-run on the
same inputs produces no diff.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dsn.fhir.fhirpath import split_union
from dsn.fhir.search_parameters import MODIFIERS_BY_TYPE, expressions_per_base

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "fhir-r4"
DATA_DIR = REPO_ROOT / "src" / "dsn" / "fhir" / "data"

FHIRPATH_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"


def load_bundle_resources(path: Path) -> list[dict[str, Any]]:
    """Return the resources of a Bundle file, in file order."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    return [entry["resource"] for entry in bundle.get("entry", [])]


def compile_parameter(resource: Mapping[str, Any], by_url: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Reduce one SearchParameter resource to the compiled form DSN ships."""
    bases = sorted(resource["base"])
    compiled: dict[str, Any] = {
        "url": resource["url"],
        "code": resource["code"],
        "type": resource["type"],
        "base": bases,
        "expressions": expressions_per_base(resource.get("expression"), bases),
        "target": sorted(resource.get("target", [])),
        "multipleOr": resource.get("multipleOr", True),
        "multipleAnd": resource.get("multipleAnd", True),
        "comparator": list(resource.get("comparator", [])),
        "modifier": list(resource.get("modifier") or MODIFIERS_BY_TYPE[resource["type"]]),
    }
    if resource.get("xpathUsage", "normal") != "normal":
        compiled["xpathUsage"] = resource["xpathUsage"]
    if resource["type"] == "composite":
        components = repair_swapped_components(resource, by_url)
        compiled["component"] = [compile_component(component, by_url) for component in components]
    return compiled


def last_element(expression: str) -> str:
    """The element a path ends on, ignoring type casts: ``value.as(Quantity)`` -> ``value``."""
    path = re.sub(r"\.as\([^)]*\)|\s+as\s+\w+|[()]", "", split_union(expression)[0])
    return path.rsplit(".", 1)[-1].strip()


def component_fits(component: Mapping[str, Any], by_url: Mapping[str, Mapping[str, Any]]) -> bool:
    """Does the component's expression read the element its definition's parameter reads?"""
    target = by_url.get(component["definition"], {})
    target_elements = {last_element(part) for part in split_union(target.get("expression") or "")}
    return last_element(component["expression"]) in target_elements


def repair_swapped_components(
    resource: Mapping[str, Any], by_url: Mapping[str, Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """Fix composites whose two component definitions are listed in swapped order.

    R4's DocumentReference-relationship pairs expression ``code`` with the
    reference parameter ``relatesto`` and ``target`` with the token parameter
    ``relation``; indexed as written, neither component would ever have a value.
    Keeping the expressions in place and swapping the definitions restores the
    documented ``relationship=code$reference`` order.
    """
    components = list(resource.get("component", []))
    if len(components) != 2 or all(component_fits(c, by_url) for c in components):
        return components
    first, second = components
    swapped = [
        {**first, "definition": second["definition"]},
        {**second, "definition": first["definition"]},
    ]
    if all(component_fits(c, by_url) for c in swapped):
        print(f"note: swapped component definitions of {resource['url']}", file=sys.stderr)
        return swapped
    print(f"warning: components of {resource['url']} do not match their definitions", file=sys.stderr)
    return components


def compile_component(component: Mapping[str, Any], by_url: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Resolve a composite component's definition URL to the parameter's code and type."""
    definition = component["definition"]
    target = by_url.get(definition)
    if target is None:
        raise SystemExit(f"composite component points to unknown parameter {definition}")
    return {
        "definition": definition,
        "code": target["code"],
        "type": target["type"],
        "expression": component["expression"],
    }


def compile_search_parameters(source: Path) -> list[dict[str, Any]]:
    """All R4 SearchParameters, compiled and sorted by URL."""
    resources = load_bundle_resources(source / "search-parameters.json")
    by_url = {resource["url"]: resource for resource in resources}
    compiled = [compile_parameter(resource, by_url) for resource in resources]
    for parameter in compiled:
        missing = [
            base
            for base in parameter["base"]
            if parameter["type"] != "special" and base not in parameter["expressions"]
        ]
        if missing and parameter["expressions"]:
            print(f"warning: {parameter['url']} has no expression for {missing}", file=sys.stderr)
    return sorted(compiled, key=lambda parameter: parameter["url"])


def compile_patient_compartment(source: Path) -> dict[str, list[str]]:
    """Resource type -> parameter codes linking it to a Patient (types without any omitted)."""
    definition = json.loads((source / "compartmentdefinition-patient.json").read_text(encoding="utf-8"))
    return {
        entry["code"]: list(entry["param"])
        for entry in sorted(definition["resource"], key=lambda entry: entry["code"])
        if entry.get("param")
    }


def element_type_code(type_entry: Mapping[str, Any], path: str) -> str:
    """The FHIR type of one ``ElementDefinition.type`` entry.

    ``id`` elements are typed ``http://hl7.org/fhirpath/System.String`` with an
    extension naming the FHIR type; BackboneElement/Element children are named by
    their own path (``Observation.component``) so they can be navigated.
    """
    code = str(type_entry["code"])
    if code.startswith("http://hl7.org/fhirpath/"):
        for extension in type_entry.get("extension", []):
            if extension.get("url") == FHIRPATH_TYPE_EXTENSION:
                return str(extension["valueUrl"])
        return "string"
    if code in ("BackboneElement", "Element"):
        return path
    return code


def compile_element_types(source: Path) -> dict[str, Any]:
    """Element tables for every resource, backbone element and complex datatype."""
    elements: dict[str, dict[str, Any]] = {}
    bases: dict[str, str] = {}
    primitives: list[str] = []
    resources: list[str] = []
    for file_name in ("profiles-types.json", "profiles-resources.json"):
        for definition in load_bundle_resources(source / file_name):
            if definition["resourceType"] != "StructureDefinition":
                continue
            if definition.get("derivation") == "constraint" or definition["kind"] == "logical":
                continue
            name = definition["id"]
            base = definition.get("baseDefinition", "").rsplit("/", 1)[-1]
            if base:
                bases[name] = base
            if definition["kind"] == "primitive-type":
                primitives.append(name)
                continue
            if definition["kind"] == "resource":
                resources.append(name)
            for element in definition["snapshot"]["element"]:
                add_element(elements, element)
    return {
        "elements": {name: dict(sorted(table.items())) for name, table in sorted(elements.items())},
        "bases": dict(sorted(bases.items())),
        "primitives": sorted(primitives),
        "resources": sorted(resources),
    }


def add_element(elements: dict[str, dict[str, Any]], element: Mapping[str, Any]) -> None:
    """Record one ElementDefinition under its parent's table."""
    path = element["path"]
    if "." not in path:
        return
    parent, name = path.rsplit(".", 1)
    if "contentReference" in element:
        element_type: Any = element["contentReference"].lstrip("#")
    else:
        types = [element_type_code(entry, path) for entry in element.get("type", [])]
        if not types:
            return
        element_type = types if name.endswith("[x]") else types[0]
    elements.setdefault(parent, {})[name.removesuffix("[x]")] = element_type


def write_json_lines(path: Path, items: list[Any]) -> None:
    """Write a JSON array with one compact item per line: small, deterministic, diff-friendly."""
    lines = [json.dumps(item, sort_keys=True, separators=(",", ":")) for item in items]
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


def write_json(path: Path, value: Any) -> None:
    """Write a JSON document deterministically (sorted keys, one top-level key per line)."""
    path.write_text(json.dumps(value, sort_keys=True, indent=0) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="FHIR R4 definitions")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="package data directory")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    parameters = compile_search_parameters(args.source)
    write_json_lines(args.out / "search_parameters.json", parameters)
    write_json(args.out / "patient_compartment.json", compile_patient_compartment(args.source))
    write_json(args.out / "search_element_types.json", compile_element_types(args.source))
    print(f"compiled {len(parameters)} search parameters into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
