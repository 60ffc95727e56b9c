"""FHIR values in words: names, codes, quantities, identifiers.

Clinical terms are shown as recorded (``text``, else the first coding's ``display``,
else the code): DSN does not translate clinical terminology, and a made-up translation
would be worse than the source's own words.
"""

from __future__ import annotations

from typing import Any

from dsn.mpi.nam import NAM_SYSTEM

MRN_PREFIX = "https://dsn.quebec/fhir/NamingSystem/mrn/"


def search_escape(value: str) -> str:
    """A typed or linked value as one FHIR search value: ``\\``, ``,``, ``|`` and ``$`` escaped.

    Unescaped, ``code=a,b`` would be a search for either ``a`` or ``b``, and a ``|`` in a
    name would split it into a system and a code.
    """
    return "".join("\\" + char if char in "\\,|$" else char for char in value)


def concept_text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return concept["text"]
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and isinstance(coding.get("display"), str):
            return coding["display"]
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            return coding["code"]
    return ""


def first_coding(concept: Any) -> tuple[str, str] | None:
    """(system, code) of the first coding that has both."""
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and isinstance(coding.get("system"), str) and isinstance(coding.get("code"), str):
            return coding["system"], coding["code"]
    return None


def coded(resource: dict[str, Any], *fields: str) -> str:
    for field in fields:
        text = concept_text(resource.get(field))
        if text:
            return text
    return ""


def human_name(patient: dict[str, Any]) -> str:
    """``Given Family`` of the official (else first) name."""
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    if not names:
        return ""
    name = next((n for n in names if n.get("use") == "official"), names[0])
    if isinstance(name.get("text"), str) and name["text"].strip():
        return name["text"]
    given = " ".join(g for g in name.get("given") or [] if isinstance(g, str))
    family = name.get("family") if isinstance(name.get("family"), str) else ""
    return " ".join(part for part in (given, family) if part)


def nam_of(patient: dict[str, Any]) -> str | None:
    for identifier in patient.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("system") == NAM_SYSTEM:
            value = identifier.get("value")
            return value if isinstance(value, str) else None
    return None


def format_nam(nam: str | None) -> str:
    """RAMQ's printed layout: ``BELG 8512 1234``."""
    if not nam:
        return ""
    compact = nam.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)) if len(compact) == 12 else nam


def record_numbers(patient: dict[str, Any]) -> list[tuple[str, str]]:
    """(facility id, MRN) of each local record number."""
    found = []
    for identifier in patient.get("identifier") or []:
        system = identifier.get("system") if isinstance(identifier, dict) else None
        if isinstance(system, str) and system.startswith(MRN_PREFIX) and isinstance(identifier.get("value"), str):
            found.append((system[len(MRN_PREFIX) :], identifier["value"]))
    return found


def quantity(value: Any) -> tuple[float | None, str]:
    if not isinstance(value, dict):
        return None, ""
    number = value.get("value")
    unit = value.get("unit") or value.get("code") or ""
    return (float(number) if isinstance(number, int | float) else None), str(unit)


def reference_id(reference: Any, res_type: str) -> str | None:
    if isinstance(reference, dict) and isinstance(reference.get("reference"), str):
        kind, _, res_id = reference["reference"].rpartition("/")
        if kind.endswith(res_type) and res_id:
            return res_id
    return None


def effective(resource: dict[str, Any]) -> str | None:
    """The clinically relevant date of a resource, whatever its type calls it."""
    for field in (
        "effectiveDateTime",
        "occurrenceDateTime",
        "onsetDateTime",
        "recordedDate",
        "authoredOn",
        "issued",
    ):
        if isinstance(resource.get(field), str):
            return resource[field]
    for field in ("period", "effectivePeriod"):
        period = resource.get(field)
        if isinstance(period, dict) and isinstance(period.get("start"), str):
            return period["start"]
    return None
