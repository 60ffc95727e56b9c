"""Dates, times and numbers as Quebec readers write them.

French (Office québécois de la langue française): ``5 mars 2024``, ``14 h 05``, decimal
comma and a (narrow no-break) space between thousands: ``1 234,5``. English (Canada):
``March 5, 2024``, ``2:05 p.m.``, ``1,234.5``. FHIR values arrive as strings of any
precision (``2024``, ``2024-03``, ``2024-03-05T14:05:00-05:00``); each is shown at the
precision it has, in Montreal time when it carries a time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("America/Montreal")
NARROW_NBSP = "\u202f"

MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def parse_fhir_datetime(value: str) -> tuple[datetime, str] | None:
    """A FHIR date/dateTime/instant and its precision (year, month, day, time), or None."""
    text = value.strip()
    try:
        if len(text) == 4:
            return datetime(int(text), 1, 1), "year"
        if len(text) == 7:
            return datetime(int(text[:4]), int(text[5:7]), 1), "month"
        if len(text) == 10:
            return datetime.fromisoformat(text), "day"
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_ZONE)
    return moment, "time"


def format_date(value: str | date | None, language: str) -> str:
    """A date in words at the value's own precision; the raw text if it cannot be read."""
    if value is None or value == "":
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return _day(value, language)
    parsed = parse_fhir_datetime(value) if isinstance(value, str) else (value, "time")
    if parsed is None:
        return str(value)
    moment, precision = parsed
    month = MONTHS[language][moment.month - 1]
    if precision == "year":
        return str(moment.year)
    if precision == "month":
        return f"{month} {moment.year}"
    return _day(moment.date(), language)


def format_datetime(value: str | datetime | None, language: str) -> str:
    """Date and time (when the value has one) in Montreal time."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        moment = value.astimezone(LOCAL_ZONE) if value.tzinfo else value
        precision = "time"
    else:
        parsed = parse_fhir_datetime(value)
        if parsed is None:
            return value
        moment, precision = parsed
    if precision != "time":
        return format_date(value if isinstance(value, str) else moment.date(), language)
    return f"{_day(moment.date(), language)}, {format_time(moment, language)}"


def format_time(moment: datetime, language: str) -> str:
    if language == "fr":
        return f"{moment.hour} h {moment.minute:02d}"
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    return f"{hour}:{moment.minute:02d} {suffix}"


def _day(day: date, language: str) -> str:
    month = MONTHS[language][day.month - 1]
    if language == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{month} {day.day}, {day.year}"


def format_number(value: float | int | None, language: str, decimals: int | None = None) -> str:
    """A number with the language's decimal mark and thousands separator; as many decimals as it has."""
    if value is None:
        return ""
    if decimals is None:
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{decimals}f}"
    if language == "fr":
        return text.replace(",", NARROW_NBSP).replace(".", ",")
    return text


def age_in_years(birth_date: str | None, today: date) -> int | None:
    if not birth_date or len(birth_date) < 10:
        return None
    try:
        born = date.fromisoformat(birth_date[:10])
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
