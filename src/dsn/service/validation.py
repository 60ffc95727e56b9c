"""Validation as the service applies it: the validator's findings, as FHIR errors."""

from __future__ import annotations

from typing import Any

from dsn.fhir.definitions import is_resource_type
from dsn.fhir.outcome import OutcomeIssue
from dsn.fhir.validation import validate_resource
from dsn.service.errors import FhirError


def findings(body: Any, expected_type: str | None) -> list[OutcomeIssue]:
    """Every validation finding for ``body``, as OperationOutcome issues."""
    return [
        OutcomeIssue(issue.severity, issue.code, issue.message, (issue.path,) if issue.path else ())
        for issue in validate_resource(body, expected_type=expected_type)
    ]


def require_valid(body: Any, expected_type: str | None) -> list[OutcomeIssue]:
    """Raise a 400 listing every error; return the warnings to report alongside success."""
    issues = findings(body, expected_type)
    errors = [issue for issue in issues if issue.severity in ("error", "fatal")]
    if errors:
        # 400 when the content is not a well-formed resource at all (unknown elements,
        # wrong JSON types, problems at the root such as the resourceType); 422 when it is
        # well-formed but breaks a rule (cardinality, value format, binding).
        malformed = any(
            issue.code in ("structure", "too-costly") or "." not in "".join(issue.expression[:1]) for issue in errors
        )
        status = 400 if malformed else 422
        raise FhirError(status, "invalid", errors[0].diagnostics, issues=issues)
    return issues


def require_resource_type(res_type: str) -> None:
    if not is_resource_type(res_type):
        raise FhirError(404, "not-supported", f"'{res_type}' is not a FHIR R4 resource type")


def require_usable_search_parameter(body: Any) -> None:
    """A SearchParameter with an expression must compile, or it could never be searched.

    One without an expression is valid FHIR (documentation, special parameters): it is
    stored, and ``dsn reindex`` leaves it out.
    """
    from dsn.fhir.search_parameters import InvalidSearchParameter, SearchParameterRegistry

    if not isinstance(body, dict) or "expression" not in body:
        return
    try:
        SearchParameterRegistry.default().with_custom([body])
    except InvalidSearchParameter as exc:
        raise FhirError(422, "business-rule", f"this SearchParameter cannot be used for search: {exc}") from None
