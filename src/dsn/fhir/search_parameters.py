"""The registry of search parameters: which parameters each resource type has.

The R4 definitions are compiled into ``data/search_parameters.json`` by
``scripts/compile_search_parameters.py``; one definition there may serve many
resource types (``clinical-code`` is the ``code`` of fourteen types), so the
registry hands out one ``SearchParameterDef`` per resource type, carrying only
the part of the expression about that type.

Servers may also accept SearchParameter resources from clients;
``SearchParameterRegistry.with_custom`` validates them and returns a new
registry in which they are added (or override a built-in parameter with the
same code on the same type). Registries are immutable, so one can be shared
between threads and swapped atomically when parameters change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from dsn.fhir.fhirpath import ElementModel, FhirPathError, compile_path, split_union

PARAMETER_TYPES = frozenset(
    {"number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special"}
)

# R4's core SearchParameters declare no ``modifier`` list; these are the modifiers
# the R4 search page allows for each parameter type.
MODIFIERS_BY_TYPE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "string": ("missing", "exact", "contains"),
        "token": ("missing", "text", "not", "above", "below", "in", "not-in", "of-type"),
        "reference": ("missing", "type", "identifier", "above", "below"),
        "date": ("missing",),
        "number": ("missing",),
        "quantity": ("missing",),
        "uri": ("missing", "above", "below"),
        "composite": ("missing",),
        "special": (),
    }
)

ABSTRACT_BASES = ("Resource", "DomainResource")

_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-.]*$")


class InvalidSearchParameter(ValueError):
    """A SearchParameter resource that DSN cannot index (reasons in the message)."""


@dataclass(frozen=True, slots=True)
class ComponentDef:
    """One part of a composite parameter, evaluated relative to the composite's element."""

    definition: str
    code: str
    type: str
    expression: str


@dataclass(frozen=True, slots=True)
class SearchParameterDef:
    """A search parameter as it applies to one resource type."""

    code: str
    type: str
    base: tuple[str, ...]
    expression: str | None
    """The FHIRPath for this resource type (None for ``_text``, ``_content``...)."""
    targets: tuple[str, ...] = ()
    components: tuple[ComponentDef, ...] = ()
    url: str = ""
    modifiers: tuple[str, ...] = ()
    comparators: tuple[str, ...] = ()
    multiple_or: bool = True
    multiple_and: bool = True
    xpath_usage: str = "normal"


def root_name(part: str) -> str | None:
    """The identifier a union part starts with: ``(Observation.value as X)`` -> Observation."""
    match = re.match(r"[\s(]*([A-Za-z_][A-Za-z0-9_]*)", part)
    return match.group(1) if match else None


def expressions_per_base(expression: str | None, bases: Sequence[str]) -> dict[str, str]:
    """Split a shared ``|`` union so each base type keeps only the parts about itself.

    Parts whose root is not one of the bases (``Resource.id``, ``%resource...``)
    apply to every base.
    """
    if not expression:
        return {}
    per_base: dict[str, list[str]] = {base: [] for base in bases}
    for part in split_union(expression):
        root = root_name(part)
        owners = [root] if root in per_base else list(bases)
        for owner in owners:
            per_base[owner].append(part)
    return {base: " | ".join(found) for base, found in per_base.items() if found}


class SearchParameterRegistry:
    """Search parameters by resource type and code; immutable."""

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        self._entries: tuple[Mapping[str, Any], ...] = tuple(entries)
        self._by_url = {entry["url"]: entry for entry in self._entries}
        self._by_type: dict[str, dict[str, SearchParameterDef]] = {}
        for entry in self._entries:
            for types, definition in _definitions(entry):
                for type_name in types:
                    self._by_type.setdefault(type_name, {})[definition.code] = definition
        self._merged: dict[str, Mapping[str, SearchParameterDef]] = {}

    @classmethod
    @cache
    def default(cls) -> SearchParameterRegistry:
        """The R4 core parameters shipped in the package (loaded once)."""
        text = resources.files("dsn.fhir").joinpath("data/search_parameters.json").read_text()
        return cls(json.loads(text))

    def parameters_for(self, resource_type: str) -> Mapping[str, SearchParameterDef]:
        """Every parameter of ``resource_type``, including ``_id``, ``_lastUpdated``, ``_tag``...

        Unknown resource types have no parameters.
        """
        merged = self._merged.get(resource_type)
        if merged is None:
            merged = MappingProxyType(self._merge(resource_type))
            self._merged[resource_type] = merged
        return merged

    def _merge(self, resource_type: str) -> dict[str, SearchParameterDef]:
        model = ElementModel.load()
        if resource_type not in model.resource_types:
            return {}
        merged: dict[str, SearchParameterDef] = {}
        for base in ("Resource", "DomainResource", resource_type):
            if model.is_subtype(resource_type, base):
                merged.update(self._by_type.get(base, {}))
        return merged

    def get(self, resource_type: str, code: str) -> SearchParameterDef | None:
        """The parameter ``code`` of ``resource_type``, or None."""
        return self.parameters_for(resource_type).get(code)

    def by_url(self, url: str) -> Mapping[str, Any] | None:
        """The compiled definition with this canonical URL (all its bases), or None."""
        return self._by_url.get(url)

    def with_custom(self, params: list[dict[str, Any]]) -> SearchParameterRegistry:
        """A new registry with these SearchParameter resources added.

        Each is validated (type, base types, targets, that every expression
        compiles, that composite components resolve); InvalidSearchParameter
        lists every problem found. A custom parameter replaces an earlier one with
        the same URL, and a built-in one with the same code on the same type.
        """
        batch = {param.get("url"): param for param in params if isinstance(param, dict)}
        compiled: list[Mapping[str, Any]] = []
        problems: list[str] = []
        for param in params:
            try:
                compiled.append(self._compile_custom(param, batch))
            except InvalidSearchParameter as error:
                problems.append(str(error))
        if problems:
            raise InvalidSearchParameter("; ".join(problems))
        replaced = {entry["url"] for entry in compiled}
        kept = [entry for entry in self._entries if entry["url"] not in replaced]
        return SearchParameterRegistry([*kept, *compiled])

    def _compile_custom(self, param: Any, batch: Mapping[Any, Mapping[str, Any]]) -> Mapping[str, Any]:
        if not isinstance(param, dict) or param.get("resourceType", "SearchParameter") != "SearchParameter":
            raise InvalidSearchParameter("not a SearchParameter resource")
        label = str(param.get("url") or param.get("code") or "SearchParameter")
        problems = _basic_problems(param)
        if problems:
            raise InvalidSearchParameter(f"{label}: " + ", ".join(problems))
        bases = list(param["base"])
        expressions = expressions_per_base(param["expression"], bases)
        problems = [f"no expression part for base {base}" for base in bases if base not in expressions]
        problems += _expression_problems(expressions)
        components = []
        if param["type"] == "composite":
            components = self._resolve_components(param, batch, problems)
        if problems:
            raise InvalidSearchParameter(f"{label}: " + ", ".join(problems))
        entry: dict[str, Any] = {
            "url": param["url"],
            "code": param["code"],
            "type": param["type"],
            "base": sorted(bases),
            "expressions": expressions,
            "target": sorted(param.get("target", [])),
            "multipleOr": param.get("multipleOr", True),
            "multipleAnd": param.get("multipleAnd", True),
            "comparator": list(param.get("comparator", [])),
            "modifier": list(param.get("modifier") or MODIFIERS_BY_TYPE[param["type"]]),
        }
        if components:
            entry["component"] = components
        return entry

    def _resolve_components(
        self,
        param: Mapping[str, Any],
        batch: Mapping[Any, Mapping[str, Any]],
        problems: list[str],
    ) -> list[dict[str, Any]]:
        components: list[dict[str, Any]] = []
        raw_components = param.get("component")
        if not isinstance(raw_components, list) or not raw_components:
            problems.append("a composite needs components")
            return components
        for component in raw_components:
            definition = component.get("definition") if isinstance(component, dict) else None
            expression = component.get("expression") if isinstance(component, dict) else None
            target = batch.get(definition) or self._by_url.get(definition)
            if target is None or not isinstance(expression, str):
                problems.append(f"component {definition!r} does not resolve")
                continue
            try:
                compile_path(expression, None)
            except FhirPathError as error:
                problems.append(f"component expression: {error}")
                continue
            components.append(
                {
                    "definition": definition,
                    "code": target["code"],
                    "type": target["type"],
                    "expression": expression,
                }
            )
        return components


def _basic_problems(param: Mapping[str, Any]) -> list[str]:
    """Shape checks on a posted SearchParameter, before its expression is compiled."""
    model = ElementModel.load()
    known_bases = model.resource_types | set(ABSTRACT_BASES)
    problems: list[str] = []
    if not isinstance(param.get("url"), str) or not param["url"]:
        problems.append("url is required")
    code = param.get("code")
    if not isinstance(code, str) or not _CODE_RE.match(code):
        problems.append(f"code {code!r} is not a valid parameter name")
    if param.get("type") not in PARAMETER_TYPES - {"special"}:
        problems.append(f"type {param.get('type')!r} is not supported")
    bases = param.get("base")
    if not isinstance(bases, list) or not bases:
        problems.append("base is required")
    else:
        problems += [f"unknown base type {base!r}" for base in bases if base not in known_bases]
    if not isinstance(param.get("expression"), str) or not param["expression"].strip():
        problems.append("expression is required")
    targets = param.get("target", [])
    if not isinstance(targets, list):
        problems.append("target must be a list")
    else:
        unknown = [target for target in targets if target not in model.resource_types]
        problems += [f"unknown target type {target!r}" for target in unknown]
    return problems


def _expression_problems(expressions: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    for base, expression in expressions.items():
        try:
            compiled = compile_path(expression, None if base in ABSTRACT_BASES else base)
        except FhirPathError as error:
            problems.append(f"expression for {base}: {error}")
            continue
        if compiled.output_types == frozenset():
            problems.append(f"expression {expression!r} names no element of {base}")
    return problems


def _definitions(
    entry: Mapping[str, Any],
) -> list[tuple[tuple[str, ...], SearchParameterDef]]:
    """One SearchParameterDef per distinct per-base expression, with the types it serves."""
    base = tuple(entry["base"])
    components = tuple(
        ComponentDef(c["definition"], c["code"], c["type"], c["expression"]) for c in entry.get("component", [])
    )
    shared = {
        "code": entry["code"],
        "type": entry["type"],
        "targets": tuple(entry.get("target", [])),
        "components": components,
        "url": entry["url"],
        "modifiers": tuple(entry.get("modifier", [])),
        "comparators": tuple(entry.get("comparator", [])),
        "multiple_or": bool(entry.get("multipleOr", True)),
        "multiple_and": bool(entry.get("multipleAnd", True)),
        "xpath_usage": entry.get("xpathUsage", "normal"),
    }
    expressions: Mapping[str, str] = entry["expressions"]
    if not expressions:
        return [(base, SearchParameterDef(base=base, expression=None, **shared))]
    by_expression: dict[str, list[str]] = {}
    for type_name, expression in expressions.items():
        by_expression.setdefault(expression, []).append(type_name)
    return [
        (tuple(types), SearchParameterDef(base=base, expression=expression, **shared))
        for expression, types in by_expression.items()
    ]


def default_registry() -> SearchParameterRegistry:
    """The registry of the R4 core parameters (shared, loaded once)."""
    return SearchParameterRegistry.default()


def parameters_for(resource_type: str) -> Mapping[str, SearchParameterDef]:
    """The R4 core parameters of ``resource_type`` (see SearchParameterRegistry)."""
    return SearchParameterRegistry.default().parameters_for(resource_type)


def get(resource_type: str, code: str) -> SearchParameterDef | None:
    """The R4 core parameter ``code`` of ``resource_type``, or None."""
    return SearchParameterRegistry.default().get(resource_type, code)
