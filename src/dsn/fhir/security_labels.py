"""Security labels of a resource, flattened for fast filtering.

Access decisions need to know, for every row a query touches, whether the resource is
restricted (confidentiality ``R``/``V``) or belongs to a sensitive category (mental
health, substance use, sexual and reproductive health, HIV/STI, ...). The labels are
read from ``meta.security`` (and inferred from codes) on write and stored beside the row as a space-delimited
string (`` R PSY ``), so a filter is a ``LIKE`` on the row itself, with no join.
"""

from __future__ import annotations

from typing import Any

from dsn.fhir.sensitivity import sensitivity_of

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
RESTRICTED_CONFIDENTIALITY = frozenset({"R", "V"})
LABEL_SYSTEMS = frozenset({CONFIDENTIALITY, ACT_CODE})


def labels_of(resource: dict[str, Any]) -> str | None:
    """The row form of the resource's labels (`` R PSY ``), or None when it has none.

    Labels come from ``meta.security`` and from the resource's own codes (see
    dsn.fhir.sensitivity), so a depression diagnosis is protected as mental-health
    information even when the sending system did not label it.
    """
    meta = resource.get("meta")
    codings = meta.get("security") if isinstance(meta, dict) else None
    codes = set(sensitivity_of(resource))
    if isinstance(codings, list):
        codes.update(
            coding["code"]
            for coding in codings
            if isinstance(coding, dict)
            and coding.get("system") in LABEL_SYSTEMS
            and isinstance(coding.get("code"), str)
            and coding["code"].isalnum()
        )
    return f" {' '.join(sorted(codes))} " if codes else None


def label_pattern(code: str) -> str:
    """The ``LIKE`` pattern matching rows that carry ``code``."""
    return f"% {code} %"
