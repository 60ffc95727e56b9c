"""Timestamps for lastUpdated: microseconds since the epoch, strictly increasing per process.

History is ordered by lastUpdated; two writes in the same microsecond would otherwise
tie and make paging ambiguous, so the clock never returns the same value twice.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_lock = threading.Lock()
_last = 0


def now_us() -> int:
    global _last
    with _lock:
        value = max(time.time_ns() // 1000, _last + 1)
        _last = value
        return value


def to_instant(us: int) -> str:
    """FHIR ``instant`` text for a microsecond timestamp, exact to the microsecond.

    Full precision keeps ``_since=<meta.lastUpdated>`` exact against the stored value.
    """
    moment = EPOCH + timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def to_http_date(us: int) -> str:
    """RFC 9110 date for the ``Last-Modified`` header."""
    moment = EPOCH + timedelta(microseconds=us)
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def from_instant(text: str) -> int:
    """Parse a FHIR instant/dateTime (with time zone) into microseconds; naive is taken as UTC."""
    value = text.strip().replace("Z", "+00:00")
    if len(value) == 4:
        value += "-01-01"
    elif len(value) == 7:
        value += "-01"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)
