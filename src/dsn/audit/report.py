"""The yearly access report: how many accesses, per region × category of data × action.

Required of the health record by Quebec's Act respecting health and social services
information (an annual account of accesses). Categories are those of the role matrix
(:func:`dsn.security.roles.category_of`), so the report speaks the same language as
the access policy. A record that touches several categories (``$everything``) counts
once in each; one that touches no resource (login, token) falls under ``none``.

The database does the counting (``GROUP BY region, res_types, action`` over the
year, on the ``recorded`` index); only the few distinct combinations reach Python.
The year runs in Quebec's time zone by default.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from dsn.security.roles import category_of
from dsn.store.audit_schema import audit_log
from dsn.store.clock import EPOCH

QUEBEC: Final = "America/Toronto"  # Quebec observes Eastern time
NO_REGION: Final = "none"
NO_CATEGORY: Final = "none"
ACTION_NAMES: Final = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}


@dataclass(frozen=True, slots=True)
class ReportRow:
    region: str
    category: str
    action: str
    count: int


@dataclass(frozen=True, slots=True)
class AccessReport:
    year: int
    time_zone: str
    rows: list[ReportRow]
    records: int  # audit records in the year (a record may count in several categories)

    def to_csv(self, out: TextIO) -> None:
        writer = csv.writer(out)
        writer.writerow(["year", "region", "category", "action", "count"])
        for row in self.rows:
            writer.writerow([self.year, row.region, row.category, ACTION_NAMES.get(row.action, row.action), row.count])

    def render(self) -> str:
        lines = [f"Access report {self.year} ({self.time_zone}): {self.records} audit records"]
        width = max((len(row.category) for row in self.rows), default=8)
        current = None
        for row in self.rows:
            if row.region != current:
                current = row.region
                lines.append(f"region {current}")
            action = ACTION_NAMES.get(row.action, row.action)
            lines.append(f"  {row.category:<{width}}  {action:<8} {row.count:>10}")
        return "\n".join(lines)


def year_bounds(year: int, time_zone: str = QUEBEC) -> tuple[int, int]:
    """[start, end) of ``year`` in ``time_zone``, in microseconds since the epoch."""
    zone = ZoneInfo(time_zone)
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    return _us(start), _us(end)


def access_report(conn: Connection, year: int, time_zone: str = QUEBEC) -> AccessReport:
    start, end = year_bounds(year, time_zone)
    count = func.count()
    rows = conn.execute(
        select(audit_log.c.region, audit_log.c.res_types, audit_log.c.action, count)
        .where(audit_log.c.recorded >= start, audit_log.c.recorded < end)
        .group_by(audit_log.c.region, audit_log.c.res_types, audit_log.c.action)
    ).all()
    counts: Counter[tuple[str, str, str]] = Counter()
    records = 0
    for region, res_types, action, n in rows:
        records += n
        categories = {category_of(res_type) for res_type in (res_types or "").split()} or {NO_CATEGORY}
        for category in categories:
            counts[(region or NO_REGION, category, action)] += n
    ordered = [ReportRow(*key, n) for key, n in sorted(counts.items())]
    return AccessReport(year, time_zone, ordered, records)


def _us(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
