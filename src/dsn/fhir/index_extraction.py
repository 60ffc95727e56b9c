"""Turn a resource into search index rows: the write side of FHIR search.

Every resource written gets one row per value of each of its search parameters,
in one table per parameter type (the HAPI FHIR JPA layout). The query side then
never opens JSON: ``Observation?code=http://loinc.org|8480-6`` is a lookup in
``idx_token``. This module only computes the rows; the store adds
``resource_pk``, ``res_type`` and the patient key and writes them in the same
transaction as the resource.

Rows are dicts; their keys per table are listed in ``COLUMNS``. Every row has
``param`` (the parameter code) and ``grp``: 0 for ordinary rows; for the
components of a composite parameter, ``param`` is ``<code>#<i>`` (component
index from 0) and ``grp`` numbers the element the components were read from
(1, 2, ... within one resource and one composite), so that a query can require
all components to come from the same element (the same Observation.component).

Decisions worth knowing when querying:

* Dates are ranges in integer microseconds since 1970-01-01T00:00:00Z; the
  range is the stored value's precision (``2020`` covers the whole year). A
  dateTime with a time but no offset (which FHIR forbids) and a bare date are
  read as UTC. Periods open at one end use ``MIN_DATE`` / ``MAX_DATE``.
* Numbers and quantities get the range implied by their significant digits
  (5.4 -> [5.35, 5.45]), from the JSON value as parsed: ``5.40`` parsed as a float
  has lost its trailing zero (pass ``decimal.Decimal`` values to keep it).
* A Range (quantity or number parameter) is one row with ``value`` None and
  ``low``/``high`` its bounds, an absent bound being -inf/+inf. Money is a
  quantity whose ``code`` is the currency (system ``urn:iso:std:iso:4217``).
* ContactPoint as a token: ``code`` = ContactPoint.value, ``system`` None, as the
  R4 search page defines (the ``phone``/``email`` parameters already select on
  ContactPoint.system in their expressions).
* Identifier.type codings add ``<code>:of-type`` token rows (system =
  ``type-system|type-code``, code = identifier value); Reference.identifier adds
  ``<code>:identifier`` token rows.
* Canonical references give ``url`` (without version) and ``target_version``;
  ``target_type`` comes from the URL when it ends in ``/Type/id``, ``target_id``
  stays None. Contained (``#x``) and ``urn:uuid:`` references give no row.
* ``phonetic`` parameters are indexed like ordinary strings (no phonetic
  encoding yet); ``special`` parameters (``near``) and ``_text``/``_content``
  (full text) are not indexed here.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dsn.fhir.fhirpath import CompiledPath, compile_path, parse_reference
from dsn.fhir.search_parameters import (
    ABSTRACT_BASES,
    SearchParameterDef,
    SearchParameterRegistry,
)
from dsn.fhir.text_normalization import normalize_string

IndexRows = dict[str, list[dict[str, Any]]]
Cells = tuple[Any, ...]
Extracted = list[tuple[str, str, Cells]]
"""(table, suffix appended to the parameter code, column values) triples."""
Extractor = Callable[[Any, str | None], Extracted]

MIN_DATE = -62135596800000000
"""0001-01-01T00:00:00Z in microseconds: the low end of a Period without start."""
MAX_DATE = 253402300799999999
"""9999-12-31T23:59:59.999999Z in microseconds: the high end of a Period without end."""
MAX_STRING = 255
"""Width of the indexed string columns; longer values are cut (search values must be too)."""
_ID_LENGTH = 64

STRING, TOKEN, DATE, REFERENCE = "idx_string", "idx_token", "idx_date", "idx_reference"
QUANTITY, NUMBER, URI = "idx_quantity", "idx_number", "idx_uri"
TABLES = (STRING, TOKEN, DATE, REFERENCE, QUANTITY, NUMBER, URI)
TABLE_FOR_TYPE: Mapping[str, str] = {
    "string": STRING,
    "token": TOKEN,
    "date": DATE,
    "reference": REFERENCE,
    "quantity": QUANTITY,
    "number": NUMBER,
    "uri": URI,
}
COLUMNS: Mapping[str, tuple[str, ...]] = {
    STRING: ("param", "value_norm", "value_exact", "grp"),
    TOKEN: ("param", "system", "code", "text_norm", "grp"),
    DATE: ("param", "low", "high", "grp"),
    REFERENCE: ("param", "target_type", "target_id", "target_version", "url", "grp"),
    QUANTITY: ("param", "value", "low", "high", "system", "code", "unit", "grp"),
    NUMBER: ("param", "value", "low", "high", "grp"),
    URI: ("param", "value", "grp"),
}

QUANTITY_TYPES = frozenset({"Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity"})
CURRENCY_SYSTEM = "urn:iso:std:iso:4217"
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)


def extract_index_rows(resource: Mapping[str, Any], registry: SearchParameterRegistry | None = None) -> IndexRows:
    """Index rows of ``resource`` for every search parameter of its type, by table.

    Every table name of ``TABLES`` is a key, possibly with an empty list. Rows
    are de-duplicated (a name repeated in two HumanNames gives one row).
    """
    collector = _Collector()
    resource_type = resource.get("resourceType")
    if isinstance(resource_type, str):
        type_plans = _plans(registry or SearchParameterRegistry.default(), resource_type)
        for plan in type_plans.applicable(resource):
            plan.run(resource, collector)
    return collector.rows


# --------------------------------------------------------------------------- row collection


class _Collector:
    """Accumulates rows per table, dropping exact duplicates."""

    __slots__ = ("_seen", "rows")

    def __init__(self) -> None:
        self.rows: IndexRows = {table: [] for table in TABLES}
        self._seen: set[tuple[str, str, int, Cells]] = set()

    def add(self, table: str, param: str, grp: int, cells: Cells) -> None:
        key = (table, param, grp, cells)
        if key in self._seen:
            return
        self._seen.add(key)
        self.rows[table].append(_ROW_BUILDERS[table](param, grp, cells))


def _row_builder(table: str) -> Callable[[str, int, Cells], dict[str, Any]]:
    """A function building one table's row dict (``param``, value columns, ``grp``)."""
    names = COLUMNS[table][1:-1]

    def build(param: str, grp: int, cells: Cells) -> dict[str, Any]:
        row: dict[str, Any] = {"param": param}
        row.update(zip(names, cells, strict=True))
        row["grp"] = grp
        return row

    return build


_ROW_BUILDERS = {table: _row_builder(table) for table in TABLES}


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class _ParameterPlan:
    """Compiled path and value extractor of one ordinary parameter."""

    code: str
    path: CompiledPath
    extract: Extractor

    def run(self, resource: Mapping[str, Any], out: _Collector) -> None:
        for value, value_type in self.path.evaluate(resource):
            for table, suffix, cells in self.extract(value, value_type):
                out.add(table, self.code + suffix, 0, cells)


@dataclass(frozen=True, slots=True)
class _ComponentPlan:
    """One component of a composite: rows go to the component's own type table."""

    param: str
    expression: str
    extract: Extractor
    _paths: dict[str | None, CompiledPath] = field(default_factory=dict, compare=False)

    def path(self, element_type: str | None) -> CompiledPath:
        """The component's expression compiled for elements of this type (memoized)."""
        path = self._paths.get(element_type)
        if path is None:
            path = self._paths[element_type] = compile_path(self.expression, element_type)
        return path

    def rows(self, element: Any, element_type: str | None, resource: Mapping[str, Any]) -> Extracted:
        """Rows of this component for one element of the composite."""
        path = self.path(element_type)
        required = path.required_keys
        if required is not None and (type(element) is not dict or element.keys().isdisjoint(required)):
            return []
        found: Extracted = []
        for value, value_type in path.evaluate_node(element, element_type, resource):
            found.extend(self.extract(value, value_type))
        return found


@dataclass(frozen=True, slots=True)
class _CompositePlan:
    """A composite: each element where every component has a value gets its own ``grp``.

    Elements missing a component (an Observation whose value is not a Quantity,
    for ``code-value-quantity``) are skipped: no query could match them.
    """

    code: str
    path: CompiledPath
    components: tuple[_ComponentPlan, ...]

    def run(self, resource: Mapping[str, Any], out: _Collector) -> None:
        grp = 0
        for element, element_type in self.path.evaluate(resource):
            if not self._may_match(element, element_type):
                continue
            found = []
            for component in self.components:
                rows = component.rows(element, element_type, resource)
                if not rows:
                    break
                found.append((component.param, rows))
            else:
                grp += 1
                for param, rows in found:
                    for table, suffix, cells in rows:
                        out.add(table, param + suffix, grp, cells)

    def _may_match(self, element: Any, element_type: str | None) -> bool:
        """Cheap pre-check: every component's required keys are present in the element."""
        if type(element) is not dict:
            return True
        keys = element.keys()
        for component in self.components:
            required = component.path(element_type).required_keys
            if required is not None and keys.isdisjoint(required):
                return False
        return True


_Plan = _ParameterPlan | _CompositePlan


class _TypePlans:
    """The plans of one resource type, indexed by the top-level keys they read.

    Most parameters of a type are absent from any one resource (an Observation
    has a dozen of its ~45); looking its keys up here skips those parameters
    without evaluating them.
    """

    __slots__ = ("_always", "_by_key", "plans")

    def __init__(self, plans: tuple[_Plan, ...]) -> None:
        self.plans = plans
        self._always: list[int] = []
        self._by_key: dict[str, list[int]] = {}
        for index, plan in enumerate(plans):
            required = plan.path.required_keys
            if required is None:
                self._always.append(index)
            for key in required or ():
                self._by_key.setdefault(key, []).append(index)

    def applicable(self, resource: Mapping[str, Any]) -> list[_Plan]:
        """Plans that may yield rows for this resource, in definition order."""
        selected = set(self._always)
        by_key = self._by_key
        for key in resource:
            indexes = by_key.get(key)
            if indexes:
                selected.update(indexes)
        plans = self.plans
        return [plans[index] for index in sorted(selected)]


_PLANS: weakref.WeakKeyDictionary[SearchParameterRegistry, dict[str, _TypePlans]] = weakref.WeakKeyDictionary()


def _plans(registry: SearchParameterRegistry, resource_type: str) -> _TypePlans:
    """Extraction plans of a type, built once per registry (compiling every expression)."""
    by_type = _PLANS.setdefault(registry, {})
    type_plans = by_type.get(resource_type)
    if type_plans is None:
        parameters = registry.parameters_for(resource_type).values()
        type_plans = _TypePlans(
            tuple(plan for parameter in parameters if (plan := _plan(registry, resource_type, parameter)) is not None)
        )
        by_type[resource_type] = type_plans
    return type_plans


def _plan(registry: SearchParameterRegistry, resource_type: str, parameter: SearchParameterDef) -> _Plan | None:
    if parameter.expression is None or parameter.type == "special":
        return None
    context = None if resource_type in ABSTRACT_BASES else resource_type
    path = compile_path(parameter.expression, context)
    if parameter.type != "composite":
        return _ParameterPlan(parameter.code, path, _extractor(parameter.type, parameter.targets))
    components = []
    for index, component in enumerate(parameter.components):
        definition = registry.by_url(component.definition) or {}
        targets = tuple(definition.get("target", ()))
        components.append(
            _ComponentPlan(
                f"{parameter.code}#{index}",
                component.expression,
                _extractor(component.type, targets),
            )
        )
    return _CompositePlan(parameter.code, path, tuple(components))


def _extractor(parameter_type: str, targets: Iterable[str]) -> Extractor:
    if parameter_type == "reference":
        return _reference_extractor(frozenset(targets))
    extractor = _EXTRACTORS.get(parameter_type)
    if extractor is None:
        return _nothing
    return extractor


def _nothing(value: Any, value_type: str | None) -> Extracted:
    return []


# --------------------------------------------------------------------------- value typing


def _guess_type(value: Any) -> str | None:
    """Datatype of a complex value whose type the path could not tell (fallback paths)."""
    if not isinstance(value, dict):
        return None
    keys = value.keys()
    if "resourceType" in keys:
        return str(value["resourceType"])
    if "coding" in keys or keys == {"text"}:
        return "CodeableConcept"
    if "reference" in keys or ("identifier" in keys and "display" in keys):
        return "Reference"
    if "family" in keys or "given" in keys:
        return "HumanName"
    if keys & {"line", "city", "postalCode", "country", "district", "state"}:
        return "Address"
    if "start" in keys or "end" in keys:
        return "Period"
    if "low" in keys or "high" in keys:
        return "Range"
    if "event" in keys or "repeat" in keys:
        return "Timing"
    if "currency" in keys:
        return "Money"
    if "value" in keys and keys & {"unit", "code", "comparator"}:
        return "Quantity"
    if "value" in keys and value.get("system") in ("phone", "fax", "email", "pager", "url", "sms"):
        return "ContactPoint"
    if "value" in keys:
        return "Identifier"
    if "code" in keys or "system" in keys:
        return "Coding"
    return None


def _complex_type(value: Any, value_type: str | None) -> str | None:
    if value_type is None or value_type[:1].islower():
        return _guess_type(value)
    return value_type


def _items(mapping: Mapping[str, Any], key: str) -> list[Any]:
    """A repeating element as a list, tolerating a lone value (invalid, but seen)."""
    found = mapping.get(key)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def _clip(text: Any, length: int = MAX_STRING) -> str | None:
    """A string cut to the column width (the store's columns are VARCHAR); None otherwise."""
    return text[:length] if isinstance(text, str) else None


# --------------------------------------------------------------------------- strings


def _string_values(value: Any, value_type: str | None) -> list[Any]:
    """The texts a string parameter matches on, per datatype (HumanName and Address by part)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return []
    kind = _complex_type(value, value_type)
    if kind == "HumanName":
        return [
            value.get("family"),
            *_items(value, "given"),
            *_items(value, "prefix"),
            *_items(value, "suffix"),
            value.get("text"),
        ]
    if kind == "Address":
        return [
            *_items(value, "line"),
            value.get("city"),
            value.get("district"),
            value.get("state"),
            value.get("postalCode"),
            value.get("country"),
            value.get("text"),
        ]
    if kind == "CodeableConcept":
        codings = [coding for coding in _items(value, "coding") if isinstance(coding, dict)]
        return [value.get("text"), *(coding.get("display") for coding in codings)]
    if kind == "Coding":
        return [value.get("display")]
    if kind in ("Annotation", "Narrative"):
        return [value.get("text")]
    return []


def _extract_string(value: Any, value_type: str | None) -> Extracted:
    return [
        (STRING, "", (normalize_string(text)[:MAX_STRING], text[:MAX_STRING]))
        for text in _string_values(value, value_type)
        if isinstance(text, str) and text.strip()
    ]


# --------------------------------------------------------------------------- tokens


def _normalized_text(text: Any) -> str | None:
    return normalize_string(text)[:MAX_STRING] if isinstance(text, str) and text else None


def _coding_cells(coding: Any) -> Cells | None:
    if not isinstance(coding, dict):
        return None
    system, code = _clip(coding.get("system")), _clip(coding.get("code"))
    display = _normalized_text(coding.get("display"))
    if system is None and code is None and display is None:
        return None
    return (system, code, display)


def _extract_token(value: Any, value_type: str | None) -> Extracted:
    if isinstance(value, bool):
        return [(TOKEN, "", (None, "true" if value else "false", None))]
    if isinstance(value, str):
        return [(TOKEN, "", (None, _clip(value), None))]
    if isinstance(value, int | float | Decimal):
        return [(TOKEN, "", (None, str(value), None))]
    if not isinstance(value, dict):
        return []
    kind = _complex_type(value, value_type)
    if kind == "CodeableConcept":
        return _codeable_concept_tokens(value)
    if kind == "Coding":
        cells = _coding_cells(value)
        return [(TOKEN, "", cells)] if cells else []
    if kind == "Identifier":
        return _identifier_tokens(value, "")
    if kind == "ContactPoint":
        contact = _clip(value.get("value"))
        return [(TOKEN, "", (None, contact, None))] if contact else []
    return []


def _codeable_concept_tokens(concept: Mapping[str, Any]) -> Extracted:
    """One row per coding; CodeableConcept.text as a code-less row unless a display says it."""
    rows: Extracted = []
    displays: set[str | None] = set()
    for coding in _items(concept, "coding"):
        cells = _coding_cells(coding)
        if cells:
            rows.append((TOKEN, "", cells))
            displays.add(cells[2])
    text = _normalized_text(concept.get("text"))
    if text and text not in displays:
        rows.append((TOKEN, "", (None, None, text)))
    return rows


def _identifier_tokens(identifier: Mapping[str, Any], suffix: str) -> Extracted:
    """Identifier rows, plus ``:of-type`` rows keyed by each Identifier.type coding."""
    system, value = _clip(identifier.get("system")), _clip(identifier.get("value"))
    identifier_type = identifier.get("type")
    type_text = None
    type_codings: list[Any] = []
    if isinstance(identifier_type, dict):
        type_text = _normalized_text(identifier_type.get("text"))
        type_codings = _items(identifier_type, "coding")
    rows: Extracted = []
    if system is not None or value is not None:
        rows.append((TOKEN, suffix, (system, value, type_text)))
    if value is not None:
        for coding in type_codings:
            if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                of_type = _clip(f"{coding.get('system') or ''}|{coding['code']}")
                rows.append((TOKEN, suffix + ":of-type", (of_type, value, None)))
    return rows


# --------------------------------------------------------------------------- dates


_DATE_RE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?"
)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def date_range(text: str) -> tuple[int, int] | None:
    """The [low, high] microseconds covered by a FHIR date, dateTime or instant.

    ``2020`` -> the whole year, ``2020-03`` -> March, ``2020-03-05T10:00:00Z`` ->
    that second, ``...10:00:00.25Z`` -> that hundredth of a second. A time without
    an offset is read as UTC. None when the text is not a valid date.
    """
    if len(text) >= 19 and text[10] == "T" and text[16] == ":":
        return _date_time_range(text)
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    year_text, month_text, day_text, hour_text, minute_text, second_text, fraction, zone = match.groups()
    year, month, day = int(year_text), int(month_text or 1), int(day_text or 1)
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return None
    days = _days_from_civil(year, month, day)
    if hour_text is None:
        if day_text:
            end = days + 1
        elif month_text:
            end = days + _days_in_month(year, month)
        else:
            end = _days_from_civil(year + 1, 1, 1)
        return days * _DAY_US, end * _DAY_US - 1
    return _time_range(days, hour_text, minute_text, second_text, fraction, zone)


def _date_time_range(text: str) -> tuple[int, int] | None:
    """Fast path for a dateTime/instant with seconds, parsed by the C ``fromisoformat``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        match = _DATE_RE.fullmatch(text)  # e.g. a leap second, which datetime refuses
        if match is None or match.group(4) is None:
            return None
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
            return None
        return _time_range(_days_from_civil(year, month, day), *match.groups()[3:])
    offset = moment.utcoffset()  # None without a zone: read as UTC
    elapsed = moment.replace(tzinfo=None) - _EPOCH
    low = (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000 + elapsed.microseconds
    if offset:
        low -= (offset.days * 86_400 + offset.seconds) * 1_000_000
    width = 1_000_000
    if len(text) > 20 and text[19] == ".":
        digits = len(text) - 20 - len(text[20:].lstrip("0123456789"))
        width = 10 ** (6 - min(digits, 6))
    return _clamped(low, low + width - 1)


def _time_range(
    days: int,
    hour_text: str,
    minute_text: str,
    second_text: str | None,
    fraction: str | None,
    zone: str | None,
) -> tuple[int, int] | None:
    hour, minute, second = int(hour_text), int(minute_text), int(second_text or 0)
    if hour > 23 or minute > 59 or second > 60:
        return None
    second = min(second, 59)  # a leap second is indexed as the second before it
    low = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000
    if second_text is None:
        width = 60_000_000
    elif fraction is None:
        width = 1_000_000
    else:
        digits = fraction[:6]
        low += int(digits.ljust(6, "0"))
        width = 10 ** (6 - len(digits))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        low -= sign * (int(zone[1:3]) * 60 + int(zone[4:6])) * 60_000_000
    return _clamped(low, low + width - 1)


def _clamped(low: int, high: int) -> tuple[int, int]:
    """Keep a range inside [MIN_DATE, MAX_DATE] (an offset can push year 1 or 9999 out)."""
    return min(max(low, MIN_DATE), MAX_DATE), max(min(high, MAX_DATE), MIN_DATE)


def _period_range(period: Mapping[str, Any]) -> tuple[int, int] | None:
    start, end = period.get("start"), period.get("end")
    if start is None and end is None:
        return None
    low = date_range(start) if isinstance(start, str) else None
    high = date_range(end) if isinstance(end, str) else None
    if (start is not None and low is None) or (end is not None and high is None):
        return None
    return (low[0] if low else MIN_DATE, high[1] if high else MAX_DATE)


def _extract_date(value: Any, value_type: str | None) -> Extracted:
    ranges: list[tuple[int, int] | None] = []
    if isinstance(value, str):
        ranges.append(date_range(value))
    elif isinstance(value, dict):
        kind = _complex_type(value, value_type)
        if kind == "Period":
            ranges.append(_period_range(value))
        elif kind == "Timing":
            events = _items(value, "event")
            ranges.extend(date_range(event) for event in events if isinstance(event, str))
            repeat = value.get("repeat")
            if isinstance(repeat, dict) and isinstance(repeat.get("boundsPeriod"), dict):
                ranges.append(_period_range(repeat["boundsPeriod"]))
    return [(DATE, "", found) for found in ranges if found is not None]


# --------------------------------------------------------------------------- references


def _reference_extractor(targets: frozenset[str]) -> Extractor:
    """Reference rows limited to the parameter's target types (when it declares any)."""

    def extract(value: Any, value_type: str | None) -> Extracted:
        if isinstance(value, str):
            if value_type == "canonical" or (value_type is None and "|" in value):
                return _canonical_rows(value, targets)
            return _reference_string_rows(value, targets)
        if not isinstance(value, dict) or "resourceType" in value:
            return []
        rows: Extracted = []
        reference = value.get("reference")
        if isinstance(reference, str):
            rows.extend(_reference_string_rows(reference, targets))
        identifier = value.get("identifier")
        if isinstance(identifier, dict):
            rows.extend(_identifier_tokens(identifier, ":identifier"))
        return rows

    return extract


def _reference_string_rows(reference: str, targets: frozenset[str]) -> Extracted:
    parsed = parse_reference(reference)
    if parsed is None or (parsed.type and targets and parsed.type not in targets):
        return []
    cells = (parsed.type, parsed.id, parsed.version, _clip(parsed.url))
    return [(REFERENCE, "", cells)]


def _canonical_rows(canonical: str, targets: frozenset[str]) -> Extracted:
    url, _, version = canonical.partition("|")
    url = url.split("#", 1)[0]
    if not url:
        return []
    parsed = parse_reference(url)
    target_type = parsed.type if parsed else None
    if target_type and targets and target_type not in targets:
        target_type = None
    return [(REFERENCE, "", (target_type, None, _clip(version, _ID_LENGTH) or None, _clip(url)))]


# --------------------------------------------------------------------------- numbers


def _as_decimal(number: Any) -> Decimal | None:
    if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
        return None
    if isinstance(number, Decimal):
        return number if number.is_finite() else None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    try:
        return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    except InvalidOperation:
        return None


def precision_range(number: Any) -> tuple[float, float, float] | None:
    """(value, low, high) of a number and the interval its significant digits imply.

    ``5.4`` -> (5.4, 5.35, 5.45); ``100`` -> (100, 99.5, 100.5).
    """
    decimal = _as_decimal(number)
    if decimal is None:
        return None
    exponent = decimal.as_tuple().exponent
    if not isinstance(exponent, int):
        return None
    half = Decimal(5).scaleb(exponent - 1)
    return float(decimal), float(decimal - half), float(decimal + half)


def _range_bounds(value: Mapping[str, Any]) -> tuple[float, float, Mapping[str, Any]] | None:
    """Bounds of a Range (absent bound = infinity) and the quantity giving its unit."""
    low, high = value.get("low"), value.get("high")
    low_value = _as_decimal(low.get("value")) if isinstance(low, dict) else None
    high_value = _as_decimal(high.get("value")) if isinstance(high, dict) else None
    if low_value is None and high_value is None:
        return None
    unit_source = low if low_value is not None else high
    return (
        float(low_value) if low_value is not None else -math.inf,
        float(high_value) if high_value is not None else math.inf,
        unit_source if isinstance(unit_source, dict) else {},
    )


def _extract_quantity(value: Any, value_type: str | None) -> Extracted:
    if not isinstance(value, dict):
        found = precision_range(value)
        return [(QUANTITY, "", (*found, None, None, None))] if found else []
    kind = _complex_type(value, value_type)
    if kind in QUANTITY_TYPES:
        found = precision_range(value.get("value"))
        if found is None:
            return []
        cells = (
            *found,
            _clip(value.get("system")),
            _clip(value.get("code")),
            _clip(value.get("unit")),
        )
        return [(QUANTITY, "", cells)]
    if kind == "Money":
        found = precision_range(value.get("value"))
        if found is None:
            return []
        return [(QUANTITY, "", (*found, CURRENCY_SYSTEM, _clip(value.get("currency")), None))]
    if kind == "Range":
        bounds = _range_bounds(value)
        if bounds is None:
            return []
        low, high, unit = bounds
        cells = (
            None,
            low,
            high,
            _clip(unit.get("system")),
            _clip(unit.get("code")),
            _clip(unit.get("unit")),
        )
        return [(QUANTITY, "", cells)]
    return []


def _extract_number(value: Any, value_type: str | None) -> Extracted:
    if not isinstance(value, dict):
        found = precision_range(value)
        return [(NUMBER, "", found)] if found else []
    kind = _complex_type(value, value_type)
    if kind == "Range":
        bounds = _range_bounds(value)
        return [(NUMBER, "", (None, bounds[0], bounds[1]))] if bounds else []
    if kind in QUANTITY_TYPES:
        found = precision_range(value.get("value"))
        return [(NUMBER, "", found)] if found else []
    return []


# --------------------------------------------------------------------------- uris


def _extract_uri(value: Any, value_type: str | None) -> Extracted:
    return [(URI, "", (_clip(value),))] if isinstance(value, str) and value else []


_EXTRACTORS: Mapping[str, Extractor] = {
    "string": _extract_string,
    "token": _extract_token,
    "date": _extract_date,
    "quantity": _extract_quantity,
    "number": _extract_number,
    "uri": _extract_uri,
}
