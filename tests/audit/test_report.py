"""The yearly access report: counts per region × category × action, in Quebec's year."""

from __future__ import annotations

import io

from sqlalchemy import Engine

from dsn.audit import AuditLog, AuditRecord
from dsn.audit.report import access_report, year_bounds
from tests.audit.support import NURSE, PHYSICIAN

START_2026, END_2026 = year_bounds(2026)


def test_year_runs_in_eastern_time() -> None:
    assert START_2026 == 1_767_243_600_000_000  # 2026-01-01T05:00:00Z
    assert END_2026 == 1_798_779_600_000_000  # 2027-01-01T05:00:00Z


def test_counts_per_region_category_and_action(audit: AuditLog, engine: Engine) -> None:
    at = START_2026 + 1
    records = [
        AuditRecord(PHYSICIAN, "read", entities=("Observation/o1",), recorded=at),
        AuditRecord(PHYSICIAN, "read", entities=("DiagnosticReport/d1",), recorded=at),
        AuditRecord(PHYSICIAN, "search-type", resource_type="MedicationRequest", query="x", recorded=at),
        AuditRecord(PHYSICIAN, "$everything", entities=("Patient/p", "Observation/o", "Condition/c"), recorded=at),
        AuditRecord(NURSE, "create", entities=("Observation/o2",), recorded=at),
        AuditRecord(NURSE, "login", recorded=END_2026 - 1),
        AuditRecord(NURSE, "read", entities=("Observation/o3",), recorded=START_2026 - 1),  # 2025 in Quebec
        AuditRecord(NURSE, "read", entities=("Observation/o4",), recorded=END_2026),  # 2027
    ]
    for record in records:
        audit.record_read(record)
    with engine.connect() as conn:
        report = access_report(conn, 2026)
    counts = {(row.region, row.category, row.action): row.count for row in report.rows}
    assert report.records == 6
    assert counts == {
        ("04", "labs", "C"): 1,
        ("04", "none", "E"): 1,
        ("06", "labs", "R"): 2,
        ("06", "medications", "E"): 1,
        ("06", "demographics", "E"): 1,
        ("06", "labs", "E"): 1,
        ("06", "problems", "E"): 1,
    }
    out = io.StringIO()
    report.to_csv(out)
    assert out.getvalue().splitlines()[0] == "year,region,category,action,count"
    assert "2026,06,labs,read,2" in out.getvalue().splitlines()
    assert "region 06" in report.render()
