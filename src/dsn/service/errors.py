"""The one exception type that carries a client-facing FHIR error through the layers."""

from __future__ import annotations

from typing import Any

from dsn.fhir.outcome import OutcomeIssue, operation_outcome


class FhirError(Exception):
    """An error answered with ``status`` and an OperationOutcome listing ``issues``."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *expression: str,
        issues: list[OutcomeIssue] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.issues = issues or [OutcomeIssue("error", code, diagnostics, tuple(expression))]
        self.headers = headers or {}

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


def not_found(res_type: str, res_id: str) -> FhirError:
    return FhirError(404, "not-found", f"{res_type}/{res_id} is not known")


def gone(res_type: str, res_id: str, version: int) -> FhirError:
    return FhirError(410, "deleted", f"{res_type}/{res_id} was deleted (version {version})")


def invalid(diagnostics: str, *expression: str) -> FhirError:
    return FhirError(400, "invalid", diagnostics, *expression)
