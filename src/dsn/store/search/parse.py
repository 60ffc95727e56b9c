"""Turn query parameters into a :class:`SearchQuery`, checking every name and value.

Problems are collected rather than raised: under ``Prefer: handling=strict`` the
caller rejects the request with all of them; under lenient handling (the default)
the parameters are ignored and reported in the result Bundle. Either way the self
link lists only what was actually applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dsn.store.search.query import (
    AnyOf,
    Criterion,
    HasCriterion,
    Include,
    Issue,
    ListCriterion,
    SearchQuery,
    SortKey,
)
from dsn.store.search.values import (
    SearchValueError,
    date_range,
    number_value,
    quantity_value,
    split_composite,
    split_or,
    split_prefix,
    split_unescaped,
    token_value,
    unescape,
)

RESULT_PARAMETERS = {
    "_count",
    "_sort",
    "_include",
    "_revinclude",
    "_summary",
    "_elements",
    "_total",
    "_page",
    "_type",
    "_format",
    "_pretty",
}
SUMMARY_VALUES = {"true", "false", "count", "data", "text"}
TOTAL_VALUES = {"none", "estimate", "accurate"}

MODIFIERS_BY_TYPE: dict[str, set[str]] = {
    "string": {"exact", "contains", "missing"},
    "token": {"not", "text", "of-type", "missing"},
    "date": {"missing"},
    "number": {"missing"},
    "quantity": {"missing"},
    "reference": {"identifier", "missing"},
    "uri": {"below", "above", "missing"},
    "composite": {"missing"},
    "special": {"missing"},
}


class QueryParser:
    """Parses one search request against a search-parameter registry."""

    def __init__(self, registry: Any, resource_types: Iterable[str], *, max_count: int = 1000) -> None:
        self.registry = registry
        self.resource_types = frozenset(resource_types)
        self.max_count = max_count

    def parse(self, res_type: str | None, pairs: list[tuple[str, str]]) -> SearchQuery:
        query = SearchQuery(res_type=res_type)
        for name, value in pairs:
            try:
                if name in ("_include:iterate", "_revinclude:iterate", "_include:recurse", "_revinclude:recurse"):
                    include = self._include(name.split(":")[0], value)
                    query.includes.append(
                        Include(include.source_type, include.param_code, include.target_type, True, include.reverse)
                    )
                    query.applied.append((name, value))
                elif name in RESULT_PARAMETERS:
                    self._result_parameter(query, name, value)
                elif name == "_list":
                    query.criteria.append(self._list(res_type, value))
                    query.applied.append((name, value))
                elif name.startswith("_has:"):
                    if res_type is None:
                        raise SearchValueError("_has needs a resource type")
                    query.criteria.append(self._has(res_type, name[len("_has:") :], value))
                    query.applied.append((name, value))
                else:
                    if res_type is None:
                        raise SearchValueError(f"parameter '{name}' is not supported in a search across all types")
                    query.criteria.append(self._criterion(res_type, name, value))
                    query.applied.append((name, value))
            except SearchValueError as exc:
                query.issues.append(Issue(name, str(exc)))
        return query

    # -- criteria ------------------------------------------------------------------------

    def _criterion(self, res_type: str, name: str, value: str) -> Criterion | AnyOf:
        head, _, rest = name.partition(".")
        code, _, modifier = head.partition(":")
        param = self.registry.get(res_type, code)
        if param is None:
            raise SearchValueError(f"unknown search parameter '{code}' for {res_type}")
        if param.type == "special" or getattr(param, "expression", "") is None:
            # Nothing is indexed for these (_text, _content, _query, near): applying
            # them would silently match nothing, so they are reported instead.
            raise SearchValueError(f"search parameter '{code}' is not supported by this server")
        modifier_or_none = modifier or None
        if rest:
            return self._chain(res_type, param, modifier_or_none, rest, value)
        if value == "":
            raise SearchValueError(f"parameter '{name}' has an empty value")
        target_type = None
        if modifier_or_none and param.type == "reference" and modifier_or_none in self.resource_types:
            if param.targets and modifier_or_none not in param.targets:
                raise SearchValueError(f"'{code}' cannot refer to {modifier_or_none}")
            target_type, modifier_or_none = modifier_or_none, None
        if modifier_or_none is not None:
            allowed = MODIFIERS_BY_TYPE.get(param.type, {"missing"})
            if modifier_or_none not in allowed:
                raise SearchValueError(
                    f"modifier ':{modifier_or_none}' is not supported on {param.type} parameter '{code}'"
                )
        values = tuple(split_or(value))
        if modifier_or_none == "missing":
            if values not in (("true",), ("false",)):
                raise SearchValueError(f"':missing' takes true or false, not '{value}'")
        else:
            for item in values:
                self._check_value(param, modifier_or_none, item)
        return Criterion(param, res_type, modifier_or_none, values, target_type)

    def _chain(self, res_type: str, param: Any, modifier: str | None, rest: str, value: str) -> Criterion | AnyOf:
        """``subject:Patient.name=x`` → one chained criterion; ``subject.name=x`` → one per target.

        Without a type, the spec has the server search every target type that has
        the chained parameter, so the alternatives are OR-ed.
        """
        if param.type != "reference":
            raise SearchValueError(f"'{param.code}' is not a reference and cannot be chained")
        if modifier and modifier not in self.resource_types:
            raise SearchValueError(f"unknown resource type '{modifier}' in chain")
        if modifier and param.targets and modifier not in param.targets:
            raise SearchValueError(f"'{param.code}' cannot refer to {modifier}")
        targets = [modifier] if modifier else list(param.targets)
        if not targets:
            raise SearchValueError(
                f"'{param.code}' may refer to any type: name one, e.g. '{param.code}:Patient.{rest}'"
            )
        chained_code = rest.split(".")[0].split(":")[0]
        candidates = [t for t in targets if self.registry.get(t, chained_code) is not None]
        if not candidates:
            raise SearchValueError(f"no target of '{param.code}' has parameter '{chained_code}'")
        alternatives = tuple(
            Criterion(param, res_type, None, (), target, self._criterion(target, rest, value)) for target in candidates
        )
        return alternatives[0] if len(alternatives) == 1 else AnyOf(alternatives)

    def _list(self, res_type: str | None, value: str) -> ListCriterion:
        if res_type is None:
            raise SearchValueError("_list needs a resource type")
        list_ids = tuple(unescape(part) for part in split_or(value) if part)
        if not list_ids:
            raise SearchValueError("_list needs the id of a List")
        return ListCriterion(res_type, list_ids)

    def _has(self, res_type: str, spec: str, value: str) -> HasCriterion:
        parts = spec.split(":", 2)
        if len(parts) != 3:
            raise SearchValueError("_has expects _has:Type:reference-parameter:parameter=value")
        source_type, ref_code, rest = parts
        if source_type not in self.resource_types:
            raise SearchValueError(f"unknown resource type '{source_type}' in _has")
        ref_param = self.registry.get(source_type, ref_code)
        if ref_param is None or ref_param.type != "reference":
            raise SearchValueError(f"'{ref_code}' is not a reference parameter of {source_type}")
        if ref_param.targets and res_type not in ref_param.targets:
            raise SearchValueError(f"{source_type}.{ref_code} cannot refer to {res_type}")
        inner: Criterion | HasCriterion | AnyOf
        if rest.startswith("_has:"):
            inner = self._has(source_type, rest[len("_has:") :], value)
        else:
            inner = self._criterion(source_type, rest, value)
        return HasCriterion(res_type, source_type, ref_param, inner)

    def _check_value(self, param: Any, modifier: str | None, raw: str) -> None:
        kind = param.type
        if kind == "date":
            date_range(split_prefix(raw)[1])
        elif kind == "number":
            number_value(split_prefix(raw)[1])
        elif kind == "quantity":
            quantity_value(split_prefix(raw)[1])
        elif kind == "token" and modifier == "of-type":
            if len(split_unescaped(raw, "|")) != 3:
                raise SearchValueError(f"':of-type' expects system|code|value, not '{raw}'")
        elif kind == "token":
            token_value(raw)
        elif kind == "composite":
            parts = split_composite(raw)
            if len(parts) != len(param.components):
                raise SearchValueError(f"composite '{param.code}' needs {len(param.components)} parts joined by '$'")
            for component, part in zip(param.components, parts, strict=True):
                if not part:
                    raise SearchValueError(f"composite '{param.code}' has an empty part")
                self._check_value(component, None, part)
        elif kind == "string" and not unescape(raw).strip():
            raise SearchValueError("empty string value")

    # -- result parameters --------------------------------------------------------------

    def _result_parameter(self, query: SearchQuery, name: str, value: str) -> None:
        if name == "_count":
            if not value.isdigit():
                raise SearchValueError(f"_count must be a non-negative integer, not '{value}'")
            query.count = min(int(value), self.max_count)
        elif name == "_sort":
            query.sort = self._sort(query.res_type, value)
        elif name in ("_include", "_revinclude"):
            query.includes.append(self._include(name, value))
        elif name == "_summary":
            if value not in SUMMARY_VALUES:
                raise SearchValueError(f"_summary must be one of {sorted(SUMMARY_VALUES)}")
            query.summary = value
        elif name == "_elements":
            query.elements = tuple(part.strip() for part in value.split(",") if part.strip())
        elif name == "_total":
            if value not in TOTAL_VALUES:
                raise SearchValueError(f"_total must be one of {sorted(TOTAL_VALUES)}")
            query.total = value
        elif name == "_page":
            query.cursor = value
            return
        elif name == "_type":
            types = tuple(part for part in value.split(",") if part)
            unknown = [t for t in types if t not in self.resource_types]
            if unknown:
                raise SearchValueError(f"unknown resource type(s) in _type: {', '.join(unknown)}")
            query.types = types
        elif name in ("_format", "_pretty"):
            return
        query.applied.append((name, value))

    def _sort(self, res_type: str | None, value: str) -> list[SortKey]:
        keys = []
        for part in value.split(","):
            part = part.strip()
            descending = part.startswith("-")
            code = part.lstrip("-")
            if res_type is None:
                raise SearchValueError("_sort needs a resource type")
            param = self.registry.get(res_type, code)
            if param is None:
                raise SearchValueError(f"cannot sort by unknown parameter '{code}'")
            if param.type in ("composite", "special") or getattr(param, "expression", "") is None:
                raise SearchValueError(f"cannot sort by parameter '{code}'")
            keys.append(SortKey(param, descending))
        return keys

    def _include(self, name: str, value: str) -> Include:
        reverse = name == "_revinclude"
        iterate = False
        # ``_include:iterate=...`` arrives as the name; the value holds Type:param[:target].
        parts = value.split(":")
        if value == "*":
            return Include("*", "*", None, iterate, reverse)
        if len(parts) not in (2, 3):
            raise SearchValueError(f"{name} expects Type:parameter[:targetType], not '{value}'")
        source_type, code = parts[0], parts[1]
        target = parts[2] if len(parts) == 3 else None
        if source_type not in self.resource_types:
            raise SearchValueError(f"unknown resource type '{source_type}' in {name}")
        if code != "*":
            param = self.registry.get(source_type, code)
            if param is None or param.type != "reference":
                raise SearchValueError(f"'{code}' is not a reference parameter of {source_type}")
        if target is not None and target not in self.resource_types:
            raise SearchValueError(f"unknown resource type '{target}' in {name}")
        return Include(source_type, code, target, iterate, reverse)
