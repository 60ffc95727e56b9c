"""OperationOutcome construction: every error DSN returns is one of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class OutcomeIssue:
    """One ``OperationOutcome.issue``: what went wrong, and where (``expression``)."""

    severity: str
    code: str
    diagnostics: str
    expression: tuple[str, ...] = field(default_factory=tuple)

    def to_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


def operation_outcome(issues: list[OutcomeIssue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [issue.to_fhir() for issue in issues]}


def single_issue(severity: str, code: str, diagnostics: str, *expression: str) -> dict[str, Any]:
    return operation_outcome([OutcomeIssue(severity, code, diagnostics, tuple(expression))])
