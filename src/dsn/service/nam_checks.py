"""NAM consistency on every Patient write: never silently accepted.

Each NAM identifier of a Patient is compared with the Patient's name, birth date and
sex (dsn.mpi.nam). With ``DSN_NAM_MISMATCH=warning`` (the default) findings are
returned as OperationOutcome warnings with the stored resource (``Prefer:
return=OperationOutcome``, and in transaction responses); with ``error`` a finding of
severity error refuses the write (422). Letter mismatches are always warnings: the NAM
keeps the birth name and first registered given name, which records may not show.
"""

from __future__ import annotations

from typing import Any

from dsn.fhir.outcome import OutcomeIssue
from dsn.mpi.nam import NAM_SYSTEM, check_consistency
from dsn.service.errors import FhirError


def nam_findings(patient: dict[str, Any], mode: str) -> list[OutcomeIssue]:
    """OperationOutcome issues for the Patient's NAMs; raises 422 in ``error`` mode."""
    if mode == "off":
        return []
    names = [n for n in patient.get("name", []) or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") in ("official", "maiden")), names[0] if names else {})
    issues: list[OutcomeIssue] = []
    for index, identifier in enumerate(patient.get("identifier", []) or []):
        if not isinstance(identifier, dict) or identifier.get("system") != NAM_SYSTEM:
            continue
        value = identifier.get("value")
        if not isinstance(value, str):
            continue
        for finding in check_consistency(
            value, official.get("family"), official.get("given"), patient.get("birthDate"), patient.get("gender")
        ):
            issues.append(
                OutcomeIssue(
                    finding.severity if mode == "error" else "warning",
                    "business-rule",
                    f"NAM {value}: {finding.message} / {finding.message_fr}",
                    (f"Patient.identifier[{index}].value",),
                )
            )
    errors = [issue for issue in issues if issue.severity == "error"]
    if errors:
        raise FhirError(422, "business-rule", errors[0].diagnostics, issues=issues)
    return issues
