"""Search values as the FHIR spec defines them: prefixes, implicit ranges, token parts.

Every parser raises :class:`SearchValueError` with a message naming the problem; the
parser of the query turns it into a 400 (strict) or a reported, ignored parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_US = -62135596800000000
MAX_US = 253402300799999999

_DATE_RE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)

_UNENCODED_PLUS = re.compile(r"(?<=\d) (\d{2}:\d{2})$")


class SearchValueError(ValueError):
    """A search value that cannot be understood."""


def split_prefix(raw: str) -> tuple[str, str]:
    """``ge2020`` → (``ge``, ``2020``); no prefix means ``eq``."""
    if len(raw) > 2 and raw[:2] in PREFIXES and not raw[2:3].isalpha():
        return raw[:2], raw[2:]
    return "eq", raw


@dataclass(frozen=True, slots=True)
class DateRange:
    """A closed range of microseconds since the epoch: what a date of given precision covers."""

    low: int
    high: int


def _to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def date_range(text: str) -> DateRange:
    """The implicit range of a FHIR date/dateTime/instant: ``2020-03`` covers all of March.

    Values without a time zone are taken as UTC, as the index does. A ``+hh:mm``
    zone that reached us as `` hh:mm`` (an unencoded ``+`` in a query string
    decodes to a space) is read as the ``+`` it was meant to be.
    """
    match = _DATE_RE.match(_UNENCODED_PLUS.sub(r"+\1", text.strip()))
    if not match:
        raise SearchValueError(f"'{text}' is not a valid date (expected YYYY[-MM[-DD[Thh:mm[:ss][zone]]]])")
    parts = match.groupdict()
    try:
        year = int(parts["year"])
        if parts["month"] is None:
            start = datetime(year, 1, 1, tzinfo=UTC)
            end = datetime(year + 1, 1, 1, tzinfo=UTC) if year < 9999 else None
        elif parts["day"] is None:
            month = int(parts["month"])
            start = datetime(year, month, 1, tzinfo=UTC)
            end = (
                datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
                if not (year == 9999 and month == 12)
                else None
            )
        else:
            day_start = datetime(year, int(parts["month"]), int(parts["day"]), tzinfo=UTC)
            if parts["hour"] is None:
                start, end = day_start, day_start + timedelta(days=1)
            else:
                tz = _zone(parts["tz"])
                start = datetime(
                    year,
                    int(parts["month"]),
                    int(parts["day"]),
                    int(parts["hour"]),
                    int(parts["minute"]),
                    int(parts["second"] or 0),
                    tzinfo=tz,
                )
                if parts["second"] is None:
                    end = start + timedelta(minutes=1)
                elif parts["fraction"]:
                    digits = parts["fraction"][1:]
                    micro = int((digits + "000000")[:6])
                    start = start.replace(microsecond=micro)
                    end = start + timedelta(microseconds=10 ** max(0, 6 - len(digits)))
                else:
                    end = start + timedelta(seconds=1)
    except ValueError as exc:
        raise SearchValueError(f"'{text}' is not a valid date: {exc}") from exc
    low = _to_us(start)
    high = _to_us(end) - 1 if end is not None else MAX_US
    return DateRange(low, high)


def _zone(text: str | None) -> UTC.__class__:
    if text is None or text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    hours, minutes = int(text[1:3]), int(text[4:6])
    from datetime import timezone

    return timezone(sign * timedelta(hours=hours, minutes=minutes))


@dataclass(frozen=True, slots=True)
class NumberValue:
    """A decimal search value and its implicit range from significant digits (5.4 → [5.35, 5.45))."""

    value: float
    low: float
    high: float


def number_value(text: str) -> NumberValue:
    try:
        number = Decimal(text.strip())
    except InvalidOperation as exc:
        raise SearchValueError(f"'{text}' is not a number") from exc
    if not number.is_finite():
        raise SearchValueError(f"'{text}' is not a finite number")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    half = Decimal(5) * Decimal(10) ** (exponent - 1)
    return NumberValue(float(number), float(number - half), float(number + half))


@dataclass(frozen=True, slots=True)
class TokenValue:
    """``system|code`` split; ``system`` None means any system, '' means no system."""

    system: str | None
    code: str | None


def token_value(text: str) -> TokenValue:
    parts = split_unescaped(text, "|", 1)
    if len(parts) == 1:
        return TokenValue(None, unescape(text))
    system, code = parts
    return TokenValue(unescape(system), unescape(code) if code else None)


@dataclass(frozen=True, slots=True)
class QuantityValue:
    number: NumberValue
    system: str | None
    code: str | None


def quantity_value(text: str) -> QuantityValue:
    """``5.4|http://unitsofmeasure.org|mg`` or ``5.4||mg`` (unit or code, any system)."""
    parts = split_unescaped(text, "|", 2)
    number = number_value(parts[0])
    if len(parts) == 1:
        return QuantityValue(number, None, None)
    if len(parts) != 3:
        raise SearchValueError(f"'{text}' is not a quantity (expected value|system|code)")
    system, code = unescape(parts[1]) or None, unescape(parts[2]) or None
    return QuantityValue(number, system, code)


def split_or(text: str) -> list[str]:
    """Split a parameter value on unescaped commas (``\\,`` stays a comma)."""
    return split_unescaped(text, ",")


def split_composite(text: str) -> list[str]:
    return split_unescaped(text, "$")


def unescape(text: str) -> str:
    return re.sub(r"\\([\\,$|])", r"\1", text)


def split_unescaped(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator and (maxsplit < 0 or len(parts) < maxsplit):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts
