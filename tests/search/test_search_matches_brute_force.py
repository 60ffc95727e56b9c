"""DSN's search agrees with a brute-force reading of the R4 search rules.

Hypothesis draws small sets of Patients and Observations (accented names, identifiers
and codes with and without systems, dates of every precision, Periods and Timings,
references in relative, absolute and foreign forms, missing values), stores them in
one transaction, then draws queries (string, token, date with every prefix, quantity,
reference, chains, ``_has``, ``:missing``, ``:not``, OR and AND, ``_sort``, small
``_count`` pages) and compares what DSN returns with what the evaluator below
computes from the resources in plain Python.

The evaluator is written from the spec, not from the engine: it only shares
``normalize_string`` (the definition of "case- and accent-insensitive"). It uses
three-valued logic so that ``ap`` (whose margin depends on the clock) and float
boundaries may go either way without making the test flaky: a resource the
evaluator is sure about must (or must not) be found; an uncertain one may be either.
"""

from __future__ import annotations

import calendar
import itertools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsn.fhir.text_normalization import normalize_string
from tests.search.support import BASE, FHIR, follow, ids, link

FOREIGN = "http://autre-region.example.org/fhir"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
PATIENT_SLOTS = [f"p{i}" for i in range(6)]
OBSERVATION_SLOTS = [f"o{i}" for i in range(8)]
EXAMPLES = int(os.environ.get("DSN_SEARCH_EXAMPLES", "100"))  # raise it for a longer hunt

FAMILIES = ["Bélanger", "Belanger", "Côté", "Cote", "Roy", "Ávila", "Lévesque", "D'Arcy", "van der Berg", "Gagnon"]
GIVENS = ["Marie-Ève", "Jean", "Jean-Luc", "Hélène", "Zoé", "Éric", "Luc"]
ID_SYSTEMS = [None, "urn:nam", "urn:mrn"]
ID_VALUES = ["A1", "a1", "B22", "C-3"]
CODE_SYSTEMS = [None, LOINC, SNOMED]
CODES = ["1", "2", "10", "2345-7"]
STATUSES = ["final", "amended", "preliminary"]
PREFIXES = ["", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]

Truth = bool | None  # None: the evaluator cannot tell (clock- or float-dependent boundary)


# --------------------------------------------------------------------------- resources


def _date_text(draw: Callable, *, with_time: bool) -> str:
    year = draw(st.integers(1990, 2012))
    precision = draw(st.sampled_from(["year", "month", "day", "time"] if with_time else ["year", "month", "day"]))
    if precision == "year":
        return f"{year:04d}"
    month = draw(st.integers(1, 12))
    if precision == "month":
        return f"{year:04d}-{month:02d}"
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    if precision == "day":
        return f"{year:04d}-{month:02d}-{day:02d}"
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    fraction = draw(st.sampled_from(["", ".5", ".250", ".123456"]))
    zone = draw(st.sampled_from(["Z", "+00:00", "-05:00", "+02:00"]))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"


@st.composite
def patients(draw: Callable, res_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceType": "Patient", "id": res_id}
    names = []
    for _ in range(draw(st.integers(0, 2))):
        name: dict[str, Any] = {}
        if draw(st.booleans()):
            name["family"] = draw(st.sampled_from(FAMILIES))
        givens = draw(st.lists(st.sampled_from(GIVENS), max_size=2, unique=True))
        if givens:
            name["given"] = givens
        if draw(st.integers(0, 4)) == 0:
            name["text"] = " ".join([*givens, name.get("family", "")]).strip() or "Inconnu"
        if name:
            names.append(name)
    if names:
        body["name"] = names
    identifiers = []
    for _ in range(draw(st.integers(0, 2))):
        identifier = {"value": draw(st.sampled_from(ID_VALUES))}
        system = draw(st.sampled_from(ID_SYSTEMS))
        if system:
            identifier["system"] = system
        identifiers.append(identifier)
    if identifiers:
        body["identifier"] = identifiers
    if draw(st.booleans()):
        body["gender"] = draw(st.sampled_from(["male", "female", "other", "unknown"]))
    if draw(st.booleans()):
        body["active"] = draw(st.booleans())
    if draw(st.integers(0, 3)) > 0:
        body["birthDate"] = _date_text(draw, with_time=False)
    return body


@st.composite
def observations(draw: Callable, res_id: str) -> dict[str, Any]:
    codings = []
    for _ in range(draw(st.integers(1, 2))):
        coding = {"code": draw(st.sampled_from(CODES))}
        system = draw(st.sampled_from(CODE_SYSTEMS))
        if system:
            coding["system"] = system
        codings.append(coding)
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "id": res_id,
        "status": draw(st.sampled_from(STATUSES)),
        "code": {"coding": codings},
    }
    form = draw(st.sampled_from(["none", "relative", "relative", "relative", "absolute", "foreign"]))
    target = draw(st.sampled_from(["p0", "p1", "p2", *PATIENT_SLOTS, "p9"]))
    if form != "none":
        prefix = {"relative": "", "absolute": f"{BASE}/", "foreign": f"{FOREIGN}/"}[form]
        body["subject"] = {"reference": f"{prefix}Patient/{target}"}
    effective = draw(st.sampled_from(["none", "dateTime", "dateTime", "period", "timing"]))
    if effective == "dateTime":
        body["effectiveDateTime"] = _date_text(draw, with_time=True)
    elif effective == "period":
        period = {}
        if draw(st.booleans()):
            period["start"] = _date_text(draw, with_time=True)
        if draw(st.booleans()) or not period:
            period["end"] = _date_text(draw, with_time=True)
        if "start" in period and "end" in period and _bounds(period["start"])[0] > _bounds(period["end"])[1]:
            period["start"], period["end"] = period["end"], period["start"]
        body["effectivePeriod"] = period
    elif effective == "timing":
        events = draw(st.lists(st.just(None), min_size=1, max_size=2))
        body["effectiveTiming"] = {"event": [_date_text(draw, with_time=True) for _ in events]}
    if draw(st.booleans()):
        value = draw(st.sampled_from(["0.5", "1", "1.5", "2", "2.25", "5.4", "10", "100"]))
        body["valueQuantity"] = {"value": float(value), "system": UCUM, "code": draw(st.sampled_from(["mg", "g"]))}
    return body


@st.composite
def datasets(draw: Callable) -> dict[str, dict[str, Any]]:
    chosen_patients = PATIENT_SLOTS[: draw(st.integers(3, len(PATIENT_SLOTS)))]
    chosen_observations = OBSERVATION_SLOTS[: draw(st.integers(3, len(OBSERVATION_SLOTS)))]
    found: dict[str, dict[str, Any]] = {}
    for res_id in chosen_patients:
        found[f"Patient/{res_id}"] = draw(patients(res_id))
    for res_id in chosen_observations:
        found[f"Observation/{res_id}"] = draw(observations(res_id))
    return found


def store(client: TestClient, data: dict[str, dict[str, Any]], present: set[str]) -> None:
    """Make the database hold exactly ``data``: PUT each resource, DELETE the other stored ones.

    ``present`` (the slots stored by earlier examples) is updated once the transaction
    succeeds; only those are deleted, so no entry asks for a resource that is absent.
    """
    entries = [{"resource": body, "request": {"method": "PUT", "url": slot}} for slot, body in data.items()]
    entries += [{"request": {"method": "DELETE", "url": slot}} for slot in sorted(present - set(data))]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    response = client.post("/fhir", json=bundle, headers={"Content-Type": FHIR})
    assert response.status_code == 200, response.text
    present.clear()
    present.update(data)


# --------------------------------------------------------------------------- values, per the spec

_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _bounds(text: str) -> tuple[int, int]:
    """[first, last] microsecond (UTC) that a date/dateTime of this precision covers."""
    match = _DATE.fullmatch(text)
    assert match, text
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    zone_info = UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        zone_info = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    if month is None:
        start = datetime(int(year), 1, 1, tzinfo=UTC)
        end = datetime(int(year) + 1, 1, 1, tzinfo=UTC)
    elif day is None:
        start = datetime(int(year), int(month), 1, tzinfo=UTC)
        end = start + timedelta(days=calendar.monthrange(int(year), int(month))[1])
    elif hour is None:
        start = datetime(int(year), int(month), int(day), tzinfo=UTC)
        end = start + timedelta(days=1)
    else:
        start = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=zone_info)
        if second is None:
            end = start + timedelta(minutes=1)
        elif fraction is None:
            end = start + timedelta(seconds=1)
        else:
            digits = fraction[:6]
            start += timedelta(microseconds=int(digits.ljust(6, "0")))
            end = start + timedelta(microseconds=10 ** (6 - len(digits)))
    micro = timedelta(microseconds=1)
    return (start - _EPOCH) // micro, (end - _EPOCH) // micro - 1


FAR_PAST, FAR_FUTURE = -(10**18), 10**18


def _period_bounds(period: dict[str, str]) -> tuple[int, int]:
    low = _bounds(period["start"])[0] if "start" in period else FAR_PAST
    high = _bounds(period["end"])[1] if "end" in period else FAR_FUTURE
    return low, high


@dataclass(frozen=True)
class Ref:
    """A stored reference: local (this server) or not, its type and id, and its URL if absolute."""

    local: bool
    res_type: str
    res_id: str
    url: str | None


def _parse_ref(text: str) -> Ref:
    if text.startswith(FOREIGN):
        res_type, res_id = text[len(FOREIGN) + 1 :].split("/")
        return Ref(False, res_type, res_id, text)
    if text.startswith(BASE):
        res_type, res_id = text[len(BASE) + 1 :].split("/")
        return Ref(True, res_type, res_id, text)
    res_type, res_id = text.split("/")
    return Ref(True, res_type, res_id, None)


def values(resource: dict[str, Any], param: str) -> list[Any]:
    """The values the spec says parameter ``param`` reads from ``resource``."""
    names = resource.get("name", [])
    if param == "_id":
        return [(None, resource["id"])]
    if param == "family":
        return [n["family"] for n in names if "family" in n]
    if param == "given":
        return [g for n in names for g in n.get("given", [])]
    if param == "name":
        return [part for n in names for part in [n.get("family"), *n.get("given", []), n.get("text")] if part]
    if param == "gender":
        return [(None, resource["gender"])] if "gender" in resource else []
    if param == "active":
        return [(None, "true" if resource["active"] else "false")] if "active" in resource else []
    if param == "identifier":
        return [(i.get("system"), i["value"]) for i in resource.get("identifier", [])]
    if param == "birthdate":
        return [_bounds(resource["birthDate"])] if "birthDate" in resource else []
    if param == "code":
        return [(c.get("system"), c["code"]) for c in resource["code"]["coding"]]
    if param == "status":
        return [(None, resource["status"])]
    if param == "date":
        return _effective(resource)
    if param == "value-quantity":
        quantity = resource.get("valueQuantity")
        return [quantity] if quantity else []
    if param in ("subject", "patient"):
        subject = resource.get("subject")
        return [_parse_ref(subject["reference"])] if subject else []
    raise AssertionError(param)


def _effective(resource: dict[str, Any]) -> list[tuple[int, int]]:
    if "effectiveDateTime" in resource:
        return [_bounds(resource["effectiveDateTime"])]
    if "effectivePeriod" in resource:
        return [_period_bounds(resource["effectivePeriod"])]
    if "effectiveTiming" in resource:
        return [_bounds(event) for event in resource["effectiveTiming"]["event"]]
    return []


# --------------------------------------------------------------------------- matching, per the spec


def _any(truths: Iterable[Truth]) -> Truth:
    result: Truth = False
    for truth in truths:
        if truth is True:
            return True
        if truth is None:
            result = None
    return result


def _all(truths: Iterable[Truth]) -> Truth:
    return _not(_any(_not(t) for t in truths))


def _not(truth: Truth) -> Truth:
    return None if truth is None else not truth


def _split_or(value: str) -> list[str]:
    return [part.replace("\\,", ",") for part in re.split(r"(?<!\\),", value)]


def _prefix(value: str) -> tuple[str, str]:
    if value[:2] in PREFIXES and value[:2] and not value[2:3].isalpha():
        return value[:2], value[2:]
    return "eq", value


def _string_match(stored: str, searched: str, modifier: str) -> Truth:
    if modifier == "exact":
        return stored == searched
    if modifier == "contains":
        return normalize_string(searched) in normalize_string(stored)
    return normalize_string(stored).startswith(normalize_string(searched))


def _token_match(stored: tuple[str | None, str], searched: str) -> Truth:
    system, code = stored
    if "|" not in searched:
        return code == searched
    want_system, want_code = searched.split("|", 1)
    if want_system == "":
        return system is None and code == want_code
    if want_code == "":
        return system == want_system
    return system == want_system and code == want_code


def _date_match(stored: tuple[int, int], searched: str, now_range: tuple[int, int]) -> Truth:
    prefix, text = _prefix(searched)
    low, high = stored
    s_low, s_high = _bounds(text)
    contained = s_low <= low and high <= s_high
    rules = {
        "eq": contained,
        "ne": not contained,
        "gt": high > s_high,
        "lt": low < s_low,
        "ge": high > s_high or contained,
        "le": low < s_low or contained,
        "sa": low > s_high,
        "eb": high < s_low,
    }
    if prefix in rules:
        return rules[prefix]
    # ap: overlap with the searched range widened by a tenth of its distance from now.
    truths = []
    for now in now_range:
        margin = abs(now - s_low) // 10
        truths.append(low <= s_high + margin and high >= s_low - margin)
    return truths[0] if truths[0] == truths[1] else None


def _number_match(stored: Decimal, searched: str) -> Truth:
    prefix, text = _prefix(searched)
    number = Decimal(text)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    half = Decimal(5) * Decimal(10) ** (exponent - 1)
    if prefix == "eq":
        return number - half <= stored < number + half
    if prefix == "ap":
        margin = abs(number) / 10
        distance = abs(stored - number)
        if abs(distance - margin) < Decimal("1e-9"):
            return None
        return distance <= margin
    rules = {
        "ne": stored != number,
        "gt": stored > number,
        "sa": stored > number,
        "lt": stored < number,
        "eb": stored < number,
        "ge": stored >= number,
        "le": stored <= number,
    }
    return rules[prefix]


def _quantity_match(stored: dict[str, Any], searched: str) -> Truth:
    parts = searched.split("|")
    number_ok = _number_match(Decimal(repr(stored["value"])), parts[0])
    if len(parts) == 1:
        return number_ok
    system, code = parts[1], parts[2]
    unit_ok = True
    if system and stored.get("system") != system:
        unit_ok = False
    if code and code not in ((stored.get("code"),) if system else (stored.get("code"), stored.get("unit"))):
        unit_ok = False
    return _all([number_ok, unit_ok])


def _reference_match(stored: Ref, searched: str, type_modifier: str | None) -> Truth:
    if searched.startswith(BASE + "/"):
        searched = searched[len(BASE) + 1 :]
    if "://" in searched:
        return stored.url == searched
    res_type, _, res_id = searched.rpartition("/")
    wanted_type = res_type or type_modifier
    return stored.local and stored.res_id == res_id and (wanted_type is None or stored.res_type == wanted_type)


PARAM_TYPES = {
    "_id": "token",
    "family": "string",
    "given": "string",
    "name": "string",
    "gender": "token",
    "active": "token",
    "identifier": "token",
    "birthdate": "date",
    "code": "token",
    "status": "token",
    "date": "date",
    "value-quantity": "quantity",
    "subject": "reference",
    "patient": "reference",
}


class Evaluator:
    """Decides, from the resources alone, which ones a query matches."""

    def __init__(self, data: dict[str, dict[str, Any]], now_range: tuple[int, int]) -> None:
        self.data = data
        self.now_range = now_range

    def live(self, res_type: str) -> list[dict[str, Any]]:
        return [body for key, body in self.data.items() if key.startswith(f"{res_type}/")]

    def matches(self, res_type: str, resource: dict[str, Any], criteria: list[tuple[str, str]]) -> Truth:
        return _all(self.criterion(res_type, resource, name, value) for name, value in criteria)

    def criterion(self, res_type: str, resource: dict[str, Any], name: str, value: str) -> Truth:
        if name.startswith("_has:"):
            _, source_type, ref_param, inner = name.split(":", 3)
            return self._has(resource, source_type, ref_param, inner, value)
        head, _, rest = name.partition(".")
        param, _, modifier = head.partition(":")
        if rest:
            return self._chain(resource, param, rest, value)
        stored = values(resource, param)
        if modifier == "missing":
            return (not stored) == (value == "true")
        kind = PARAM_TYPES[param]
        alternatives = _split_or(value)
        if modifier == "not":
            return _not(_any(_token_match(v, alt) for v in stored for alt in alternatives))
        if param == "patient":
            stored = [ref for ref in stored if ref.res_type == "Patient"]
        return _any(self._one(kind, v, alt, modifier) for v in stored for alt in alternatives)

    def _one(self, kind: str, stored: Any, searched: str, modifier: str) -> Truth:
        if kind == "string":
            return _string_match(stored, searched, modifier)
        if kind == "token":
            return _token_match(stored, searched)
        if kind == "date":
            return _date_match(stored, searched, self.now_range)
        if kind == "quantity":
            return _quantity_match(stored, searched)
        if kind == "reference":
            return _reference_match(stored, searched, modifier or None)
        raise AssertionError(kind)

    def _chain(self, resource: dict[str, Any], param: str, rest: str, value: str) -> Truth:
        """``subject:Patient.family=x``: the reference names a live local Patient matching ``family=x``."""
        truths = []
        for ref in values(resource, param.split(":")[0]):
            target = self.data.get(f"Patient/{ref.res_id}")
            if ref.local and ref.res_type == "Patient" and target is not None:
                truths.append(self.criterion("Patient", target, rest, value))
        return _any(truths)

    def _has(self, resource: dict[str, Any], source_type: str, ref_param: str, inner: str, value: str) -> Truth:
        truths = []
        for source in self.live(source_type):
            refers = any(
                ref.local and ref.res_type == resource["resourceType"] and ref.res_id == resource["id"]
                for ref in values(source, ref_param)
            )
            if refers:
                truths.append(self.criterion(source_type, source, inner, value))
        return _any(truths)

    def sort_key(self, resource: dict[str, Any], code: str, descending: bool) -> tuple[int, Any]:
        """(missing?, value): a resource sorts by its lowest value ascending, highest descending."""
        stored = values(resource, code)
        kind = PARAM_TYPES[code]
        if kind == "string":
            keys = [normalize_string(v) for v in stored]
        elif kind == "token":
            keys = [v[1] for v in stored]
        elif kind == "date":
            keys = [v[1] if descending else v[0] for v in stored]
        elif kind == "quantity":
            keys = [Decimal(repr(v["value"])) for v in stored]
        else:
            keys = [v.res_id for v in stored]
        if not keys:
            return (1, None)
        return (0, max(keys) if descending else min(keys))


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Pools:
    """Words and dates found in the stored data, so that most queries can match something."""

    words: list[str]
    dates: list[str]

    @classmethod
    def of(cls, data: dict[str, dict[str, Any]]) -> Pools:
        words, dates = [], []
        for body in data.values():
            for name in body.get("name", []):
                words += [part for part in [name.get("family"), *name.get("given", []), name.get("text")] if part]
            if "birthDate" in body:
                dates.append(body["birthDate"])
            if "effectiveDateTime" in body:
                dates.append(body["effectiveDateTime"])
            dates += list(body.get("effectivePeriod", {}).values())
            dates += body.get("effectiveTiming", {}).get("event", [])
        return cls(words or FAMILIES, dates)


@st.composite
def _string_criterion(draw: Callable, pools: Pools) -> tuple[str, str]:
    param = draw(st.sampled_from(["family", "given", "name"]))
    modifier = draw(st.sampled_from(["", "", ":exact", ":contains"]))
    pool = [*FAMILIES, *GIVENS]
    word = draw(st.sampled_from(pools.words if draw(st.integers(0, 3)) else pool))
    if modifier != ":exact":
        start = draw(st.integers(0, 2)) if modifier == ":contains" else 0
        word = word[start : start + draw(st.integers(1, len(word)))]
        word = draw(st.sampled_from([word, word.upper(), normalize_string(word), word.lower()]))
    if not word.strip():
        word = "a"
    alternatives = [word]
    if draw(st.integers(0, 3)) == 0:
        alternatives.append(draw(st.sampled_from(pool)))
    return f"{param}{modifier}", ",".join(a.replace(",", "\\,") for a in alternatives)


def _token_value(draw: Callable, systems: list[str | None], codes: list[str]) -> str:
    system, code = draw(st.sampled_from(systems)), draw(st.sampled_from(codes))
    form = draw(st.sampled_from(["code", "system|code", "|code", "system|"]))
    if form == "code" or (system is None and form != "|code"):
        return code
    if form == "|code":
        return f"|{code}"
    if form == "system|":
        return f"{system}|"
    return f"{system}|{code}"


@st.composite
def _date_value(draw: Callable, pools: Pools) -> str:
    """A prefixed date, often one stored in the data cut to a random precision."""
    prefix = draw(st.sampled_from(PREFIXES))
    if pools.dates and draw(st.integers(0, 3)):
        stored = draw(st.sampled_from(pools.dates))
        cut = draw(st.sampled_from([4, 7, 10, len(stored)]))
        text = stored[:cut] if cut <= 10 or "T" in stored else stored
    else:
        text = _date_text(draw, with_time=True)
    if "T" in text and draw(st.booleans()):
        text = text[: len("2000-01-01T00:00")] + draw(st.sampled_from(["", "Z", "-05:00"]))
    return prefix + text


@st.composite
def patient_criteria(draw: Callable, pools: Pools) -> tuple[str, str]:
    kind = draw(st.sampled_from(["string", "token", "identifier", "date", "missing", "id", "has"]))
    if kind == "string":
        return draw(_string_criterion(pools))
    if kind == "token":
        param = draw(st.sampled_from(["gender", "active"]))
        codes = ["male", "female", "other", "unknown"] if param == "gender" else ["true", "false"]
        modifier = draw(st.sampled_from(["", "", ":not"]))
        chosen = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=2, unique=True))
        return f"{param}{modifier}", ",".join(chosen)
    if kind == "identifier":
        modifier = draw(st.sampled_from(["", "", ":not"]))
        chosen = [_token_value(draw, ID_SYSTEMS, ID_VALUES) for _ in range(draw(st.integers(1, 2)))]
        return f"identifier{modifier}", ",".join(chosen)
    if kind == "date":
        return "birthdate", ",".join(draw(st.lists(_date_value(pools), min_size=1, max_size=2)))
    if kind == "missing":
        param = draw(st.sampled_from(["family", "given", "gender", "identifier", "birthdate", "active"]))
        return f"{param}:missing", draw(st.sampled_from(["true", "false"]))
    if kind == "id":
        return "_id", ",".join(draw(st.lists(st.sampled_from([*PATIENT_SLOTS, "p9"]), min_size=1, max_size=2)))
    inner = draw(
        st.sampled_from(
            [
                ("code", _token_value(draw, CODE_SYSTEMS, CODES)),
                ("status", draw(st.sampled_from(STATUSES))),
                ("date", draw(_date_value(pools))),
            ]
        )
    )
    ref_param = draw(st.sampled_from(["subject", "patient"]))
    return f"_has:Observation:{ref_param}:{inner[0]}", inner[1]


@st.composite
def observation_criteria(draw: Callable, pools: Pools) -> tuple[str, str]:
    kind = draw(st.sampled_from(["code", "status", "date", "quantity", "reference", "missing", "chain"]))
    if kind == "code":
        modifier = draw(st.sampled_from(["", "", ":not"]))
        chosen = [_token_value(draw, CODE_SYSTEMS, CODES) for _ in range(draw(st.integers(1, 2)))]
        return f"code{modifier}", ",".join(chosen)
    if kind == "status":
        modifier = draw(st.sampled_from(["", ":not"]))
        return f"status{modifier}", ",".join(draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=2)))
    if kind == "date":
        return "date", ",".join(draw(st.lists(_date_value(pools), min_size=1, max_size=2)))
    if kind == "quantity":
        prefix = draw(st.sampled_from(PREFIXES))
        number = draw(st.sampled_from(["0.5", "1", "1.5", "2", "2.3", "5", "5.4", "10", "1e2", "100.0"]))
        unit = draw(st.sampled_from(["", f"|{UCUM}|mg", "||g", f"|{UCUM}|"]))
        return "value-quantity", f"{prefix}{number}{unit}"
    if kind == "reference":
        target = draw(st.sampled_from([*PATIENT_SLOTS, "p9"]))
        param, value = draw(
            st.sampled_from(
                [
                    ("subject", f"Patient/{target}"),
                    ("subject", target),
                    ("subject:Patient", target),
                    ("subject", f"{BASE}/Patient/{target}"),
                    ("subject", f"{FOREIGN}/Patient/{target}"),
                    ("patient", target),
                    ("patient", f"Patient/{target}"),
                ]
            )
        )
        return param, value
    if kind == "missing":
        param = draw(st.sampled_from(["subject", "date", "value-quantity", "code"]))
        return f"{param}:missing", draw(st.sampled_from(["true", "false"]))
    inner_name, inner_value = draw(patient_criteria(pools).filter(lambda c: not c[0].startswith(("_has", "_id"))))
    chain = draw(st.sampled_from(["subject:Patient", "patient"]))
    return f"{chain}.{inner_name}", inner_value


SORTS = {
    "Patient": ["family", "given", "birthdate", "gender", "_id", "identifier"],
    "Observation": ["date", "code", "status", "subject", "value-quantity", "_id"],
}


@st.composite
def queries(draw: Callable, pools: Pools) -> tuple[str, list[tuple[str, str]], list[tuple[str, bool]], int | None]:
    res_type = draw(st.sampled_from(["Patient", "Observation"]))
    strategy = patient_criteria(pools) if res_type == "Patient" else observation_criteria(pools)
    criteria = draw(st.lists(strategy, min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=2))
    sort = draw(
        st.lists(st.tuples(st.sampled_from(SORTS[res_type]), st.booleans()), max_size=2, unique_by=lambda k: k[0])
    )
    count = draw(st.sampled_from([None, None, 1, 2, 3, 4]))
    return res_type, criteria, sort, count


# --------------------------------------------------------------------------- the property


def _now_us() -> int:
    return (datetime.now(UTC) - _EPOCH) // timedelta(microseconds=1)


def _run(client: TestClient, res_type: str, params: list[tuple[str, str]]) -> list[str]:
    """Every page of the search through its next links, checked against the previous links."""
    response = client.get(f"/fhir/{res_type}?{urlencode(params)}", headers={"Prefer": "handling=strict"})
    assert response.status_code == 200, (params, response.text)
    bundle = response.json()
    pages = [ids(bundle)]
    total = bundle.get("total")
    while link(bundle, "next"):
        bundle = follow(client, link(bundle, "next"))
        pages.append(ids(bundle))
        assert len(pages) < 50, "paging does not end"
    backward = []
    while link(bundle, "previous"):
        bundle = follow(client, link(bundle, "previous"))
        backward.insert(0, ids(bundle))
    assert backward == pages[:-1], f"previous links do not retrace the pages of {params}"
    found = [res_id for page in pages for res_id in page]
    if total is not None:
        assert total == len(found), f"total {total} but {len(found)} matches for {params}"
    return found


def _check_order(evaluator: Evaluator, bodies: dict[str, dict[str, Any]], order: list[str], sort: list) -> None:
    def key(res_id: str) -> list[tuple[int, Any]]:
        return [evaluator.sort_key(bodies[res_id], code, descending) for code, descending in sort]

    for before, after in itertools.pairwise(order):
        for (code, descending), k1, k2 in zip(sort, key(before), key(after), strict=True):
            if k1 == k2:
                continue
            if k1[0] != k2[0]:
                assert k1[0] < k2[0], f"{before} has no {code} but sorts before {after}"
            else:
                assert (k1[1] > k2[1]) if descending else (k1[1] < k2[1]), f"{before} {k1} vs {after} {k2} on {code}"
            break


@pytest.fixture
def present() -> set[str]:
    """The resources stored by the previous examples (Hypothesis reuses the database)."""
    return set()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=datasets(), choices=st.data())
def test_search_matches_brute_force(
    client: TestClient, present: set[str], data: dict[str, dict[str, Any]], choices: st.DataObject
) -> None:
    store(client, data, present)
    searches = choices.draw(st.lists(queries(Pools.of(data)), min_size=1, max_size=5), label="searches")
    for res_type, criteria, sort, count in searches:
        params = list(criteria)
        if sort:
            params.append(("_sort", ",".join(("-" if desc else "") + code for code, desc in sort)))
        if count is not None:
            params.append(("_count", str(count)))
            params.append(("_total", "accurate"))
        before = _now_us()
        order = _run(client, res_type, params)
        evaluator = Evaluator(data, (before - 60_000_000, _now_us() + 60_000_000))
        bodies = {body["id"]: body for body in evaluator.live(res_type)}
        assert len(order) == len(set(order)), f"duplicates in {params}: {order}"
        for res_id, body in bodies.items():
            truth = evaluator.matches(res_type, body, criteria)
            if truth is True:
                assert res_id in order, f"{res_type}/{res_id} should match {params}\n{body}"
            elif truth is False:
                assert res_id not in order, f"{res_type}/{res_id} should not match {params}\n{body}"
        assert set(order) <= set(bodies), f"unknown ids {set(order) - set(bodies)}"
        _check_order(evaluator, bodies, order, sort)
