"""Checks for the FHIR R4 primitive types in their JSON representation.

Each checker takes the value exactly as the JSON parser produced it and returns
``None`` when it is valid, or a short English reason when it is not.  The reasons are
phrased to follow "Invalid <type> value <repr>: " in an issue message.

Rules come from https://hl7.org/fhir/R4/datatypes.html and /json.html:

* JSON types are strict: ``boolean`` is a JSON boolean, ``integer``/``decimal`` are
  JSON numbers (a float is never an ``integer``; ``True`` is never a number), every
  other primitive is a JSON string.
* FHIR JSON never carries empty strings ("" is not a value).
* The regular expressions are the normative ones of the specification, plus the
  calendar check (a date must exist: no 30 February) that the regexes cannot express.

Everything is compiled once at import: validation calls these per element, so they
stay allocation-free on the happy path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Final

PrimitiveCheck = Callable[[object], "str | None"]

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
MAX_STRING_LENGTH: Final = 1024 * 1024  # "strings SHALL NOT exceed 1MB"

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[1-2][0-9]|3[0-1])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

DATE_RE: Final = re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY})?)?")
DATETIME_RE: Final = re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_ZONE})?)?)?")
INSTANT_RE: Final = re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_ZONE}")
TIME_RE: Final = re.compile(_TIME)
ID_RE: Final = re.compile(r"[A-Za-z0-9\-\.]{1,64}")
CODE_RE: Final = re.compile(r"[^\s]+(\s[^\s]+)*")
URI_RE: Final = re.compile(r"\S+")
OID_RE: Final = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
UUID_RE: Final = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
BASE64_RE: Final = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
# Characters below U+0020 other than TAB, LF and CR are not allowed in FHIR strings
# (they cannot be represented in the XML format either, and NUL breaks PostgreSQL text).
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WHITESPACE_RE: Final = re.compile(r"\s+")
_XHTML_START_RE: Final = re.compile(r"<div(\s[^>]*)?>")
_XHTML_NAMESPACE_RE: Final = re.compile(r"""xmlns\s*=\s*["']http://www\.w3\.org/1999/xhtml["']""")

_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

DATE_FORMAT: Final = "expected YYYY, YYYY-MM or YYYY-MM-DD"
DATETIME_FORMAT: Final = (
    "expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm); "
    "a time requires a timezone"
)
INSTANT_FORMAT: Final = "expected YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm) with a timezone"
TIME_FORMAT: Final = "expected hh:mm:ss[.fff] (00:00:00 to 23:59:60) without timezone"


def json_type_name(value: object) -> str:
    """Name a parsed JSON value the way JSON does ("string", "number", "object", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _not_a(expected: str, value: object) -> str:
    return f"expected a JSON {expected}, got {json_type_name(value)}"


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _day_error(value: str) -> str | None:
    """Reject a day the month does not have; ``value`` starts with a well-formed YYYY-MM-DD."""
    year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
    last = 29 if month == 2 and _is_leap(year) else _DAYS_IN_MONTH[month]
    if day > last:
        return f"day {day:02d} does not exist in {value[0:7]}"
    return None


def _string_error(value: str) -> str | None:
    if not value:
        return "empty strings are not allowed in FHIR JSON (omit the element instead)"
    if len(value) > MAX_STRING_LENGTH:
        return f"longer than {MAX_STRING_LENGTH} characters"
    if _CONTROL_RE.search(value) is not None:
        return "contains a control character (only TAB, LF and CR are allowed below U+0020)"
    return None


# --------------------------------------------------------------------------- checkers


def check_boolean(value: object) -> str | None:
    return None if value is True or value is False else _not_a("boolean (true or false)", value)


def _check_int_range(value: object, low: int, label: str) -> str | None:
    if type(value) is not int:
        if isinstance(value, float | Decimal) and not isinstance(value, bool):
            return f"expected a whole JSON number without fraction or exponent for {label}"
        return _not_a("number", value)
    if value < low or value > INT32_MAX:
        return f"{label} must be between {low} and {INT32_MAX}"
    return None


def check_integer(value: object) -> str | None:
    return _check_int_range(value, INT32_MIN, "integer")


def check_positive_int(value: object) -> str | None:
    return _check_int_range(value, 1, "positiveInt")


def check_unsigned_int(value: object) -> str | None:
    return _check_int_range(value, 0, "unsignedInt")


def check_decimal(value: object) -> str | None:
    kind = type(value)
    if kind is int:
        return None
    if kind is float:
        return None if math.isfinite(value) else "NaN and infinity are not decimals"  # type: ignore[arg-type]
    if kind is Decimal:
        return None if value.is_finite() else "NaN and infinity are not decimals"  # type: ignore[union-attr]
    return _not_a("number", value)


def check_string(value: object) -> str | None:
    if type(value) is not str:
        return _not_a("string", value)
    return _string_error(value)


def _regex_check(pattern: re.Pattern[str], reason: str) -> PrimitiveCheck:
    """Build a checker for a string primitive constrained by a regular expression."""
    fullmatch = pattern.fullmatch

    def check(value: object) -> str | None:
        if type(value) is not str:
            return _not_a("string", value)
        if fullmatch(value) is None:
            return "empty strings are not allowed in FHIR JSON" if not value else reason
        return None

    check.__doc__ = f"Valid when the string matches {pattern.pattern!r}."
    return check


check_code = _regex_check(
    CODE_RE, "codes must be non-empty without leading, trailing or double whitespace"
)
check_id = _regex_check(ID_RE, "ids are 1 to 64 characters from A-Z, a-z, 0-9, '-' and '.'")
check_uri = _regex_check(URI_RE, "URIs must be non-empty and contain no whitespace")
check_oid = _regex_check(OID_RE, "expected urn:oid: followed by a dotted OID such as urn:oid:1.2.3")
check_uuid = _regex_check(UUID_RE, "expected urn:uuid: followed by a lowercase UUID")
check_time = _regex_check(TIME_RE, TIME_FORMAT)


def check_markdown(value: object) -> str | None:
    return check_string(value)


def check_date(value: object) -> str | None:
    if type(value) is not str:
        return _not_a("string", value)
    if DATE_RE.fullmatch(value) is None:
        return DATE_FORMAT
    return _day_error(value) if len(value) == 10 else None


def check_date_time(value: object) -> str | None:
    if type(value) is not str:
        return _not_a("string", value)
    if DATETIME_RE.fullmatch(value) is None:
        return DATETIME_FORMAT
    return _day_error(value) if len(value) >= 10 else None


def check_instant(value: object) -> str | None:
    if type(value) is not str:
        return _not_a("string", value)
    if INSTANT_RE.fullmatch(value) is None:
        return INSTANT_FORMAT
    return _day_error(value)


def check_base64_binary(value: object) -> str | None:
    """Base64 (RFC 4648 alphabet, padded); whitespace between characters is tolerated."""
    if type(value) is not str:
        return _not_a("string", value)
    if not value:
        return "empty strings are not allowed in FHIR JSON"
    compact = value if BASE64_RE.fullmatch(value) else _WHITESPACE_RE.sub("", value)
    if len(compact) % 4 or BASE64_RE.fullmatch(compact) is None:
        return "expected base64 data (A-Z, a-z, 0-9, '+', '/', '=' padding to a multiple of 4)"
    return None


def check_xhtml(value: object) -> str | None:
    """A cheap structural check of Narrative.div, not a full XHTML parse.

    The specification requires a single XHTML ``<div>`` element in the XHTML namespace;
    checking its opening tag and namespace catches the usual mistakes (plain text,
    missing namespace) without the cost of an XML parser on every write.
    """
    if type(value) is not str:
        return _not_a("string", value)
    stripped = value.strip()
    if not stripped:
        return "empty strings are not allowed in FHIR JSON"
    start = _XHTML_START_RE.match(stripped)
    if start is None or not (stripped.endswith("</div>") or stripped.endswith("/>")):
        return "the narrative must be a single XHTML <div> element"
    if _XHTML_NAMESPACE_RE.search(start.group(0)) is None:
        return 'the <div> must declare xmlns="http://www.w3.org/1999/xhtml"'
    return None


PRIMITIVE_CHECKS: Final[dict[str, PrimitiveCheck]] = {
    "base64Binary": check_base64_binary,
    "boolean": check_boolean,
    "canonical": check_uri,
    "code": check_code,
    "date": check_date,
    "dateTime": check_date_time,
    "decimal": check_decimal,
    "id": check_id,
    "instant": check_instant,
    "integer": check_integer,
    "markdown": check_markdown,
    "oid": check_oid,
    "positiveInt": check_positive_int,
    "string": check_string,
    "time": check_time,
    "unsignedInt": check_unsigned_int,
    "uri": check_uri,
    "url": check_uri,
    "uuid": check_uuid,
    "xhtml": check_xhtml,
}
"""Checker for every FHIR R4 primitive type, by type code."""


def primitive_error(type_code: str, value: object) -> str | None:
    """Return why ``value`` is not a valid ``type_code`` in FHIR JSON, or None.

    Raises KeyError for a type code that is not a FHIR primitive.
    """
    return PRIMITIVE_CHECKS[type_code](value)


def is_valid_primitive(type_code: str, value: object) -> bool:
    return PRIMITIVE_CHECKS[type_code](value) is None
