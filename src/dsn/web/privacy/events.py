"""AuditEvents (BALP) back into the facts a person reads: who, what, which patient, when, why.

The service answers with FHIR Bundles of AuditEvents (the same the API serves), and the
pages show those, not the rows behind them, so the web and the API cannot disagree.
This module reads an AuditEvent the way :meth:`dsn.audit.record.AuditRecord.to_event`
writes it; a test checks the round trip for every kind of event.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, parse_qsl, urlsplit

from dsn.audit.record import (
    EVENT_SYSTEM,
    OBJECT_ROLE,
    ORGANIZATION_EXTENSION,
    REGION_EXTENSION,
    RESTFUL_INTERACTION,
    ROLE_SYSTEM,
    SPECIAL_EVENTS,
    USER_SYSTEM,
)

# Security events carry DICOM or DSN subtype codings: map them back to the event's name.
_SPECIAL_BY_CODING: Final = {(sub[0], sub[1]): name for name, (_kind, sub, _action) in SPECIAL_EVENTS.items()}
_SOURCE_ROLE: Final = "110153"
_PATIENT_ROLE: Final = "1"
_QUERY_ROLE: Final = "24"
SHOWN_PATIENTS: Final = 5  # a search's record can name hundreds of patients: a row shows the first few


@dataclass(frozen=True, slots=True)
class EventRow:
    """One audit record as the privacy pages show it."""

    seq: int
    recorded: str
    action: str
    subtype: str
    outcome: int
    user_id: str
    user_display: str
    role: str | None
    organization: str | None
    region: str | None
    client_id: str | None
    network: str | None
    patients: tuple[str, ...]
    resources: tuple[str, ...]
    purposes: tuple[str, ...]
    break_glass: bool
    detail: str | None
    query: str | None
    request_id: str | None

    @property
    def shown_patients(self) -> tuple[str, ...]:
        return self.patients[:SHOWN_PATIENTS]

    @property
    def readable_query(self) -> str:
        """A search's criteria as a person reads them: ``_id=a,b; _count=2`` (the log keeps them URL-encoded)."""
        pairs = parse_qsl(self.query or "", keep_blank_values=True)
        return "; ".join(f"{name}={value}" for name, value in pairs) if pairs else (self.query or "")


def rows_of(bundle: dict[str, Any]) -> list[EventRow]:
    return [event_row(entry["resource"]) for entry in bundle.get("entry") or ()]


def next_cursor(bundle: dict[str, Any]) -> str | None:
    """The ``_page`` cursor of the bundle's next link (the service's keyset on seq), if any."""
    for link in bundle.get("link") or ():
        if link.get("relation") == "next":
            values = parse_qs(urlsplit(link.get("url", "")).query).get("_page")
            if values and values[0].isdigit():
                return values[0]
    return None


def event_row(event: dict[str, Any]) -> EventRow:
    requestor = next((a for a in event.get("agent") or () if a.get("requestor")), {})
    client = next((a for a in event.get("agent") or () if _codes(a.get("type")) & {_SOURCE_ROLE}), {})
    who = requestor.get("who") or {}
    identifier = who.get("identifier") or {}
    extensions = {e.get("url"): e for e in requestor.get("extension") or ()}
    organization = (extensions.get(ORGANIZATION_EXTENSION, {}).get("valueReference") or {}).get("reference")
    purposes = tuple(
        coding.get("code", "") for purpose in event.get("purposeOfEvent") or () for coding in purpose.get("coding", ())
    )
    patients: list[str] = []
    resources: list[str] = []
    query = request_id = None
    for entity in event.get("entity") or ():
        role_coding = entity.get("role") or {}
        role = role_coding.get("code") if role_coding.get("system") == OBJECT_ROLE else None
        reference = (entity.get("what") or {}).get("reference")
        if role == _PATIENT_ROLE and reference:
            patients.append(reference.removeprefix("Patient/"))
        elif role == _QUERY_ROLE:
            query = _decoded(entity.get("query"))
        elif reference:
            resources.append(reference)
        elif (entity.get("type") or {}).get("code") == "XrequestId":
            request_id = ((entity.get("what") or {}).get("identifier") or {}).get("value")
    return EventRow(
        seq=int(event["id"]),
        recorded=event.get("recorded", ""),
        action=event.get("action", ""),
        subtype=_subtype(event.get("subtype") or []),
        outcome=int(event.get("outcome", "0")),
        user_id=identifier.get("value", "") if identifier.get("system") == USER_SYSTEM else "",
        user_display=who.get("display", ""),
        role=_role(requestor),
        organization=organization.removeprefix("Organization/") if organization else None,
        region=extensions.get(REGION_EXTENSION, {}).get("valueCode"),
        client_id=((client.get("who") or {}).get("identifier") or {}).get("value"),
        network=(client.get("network") or {}).get("address"),
        patients=tuple(patients),
        resources=tuple(resources),
        purposes=purposes,
        break_glass="BTG" in purposes,
        detail=event.get("outcomeDesc"),
        query=query,
        request_id=request_id,
    )


def _subtype(codings: list[dict[str, Any]]) -> str:
    """The record's subtype name: REST interaction, ``$operation`` or security event."""
    for coding in codings:
        if coding.get("system") == RESTFUL_INTERACTION and coding.get("code") != "operation":
            return coding.get("code", "")
    for coding in codings:
        special = _SPECIAL_BY_CODING.get((coding.get("system", ""), coding.get("code", "")))
        if special is not None:
            return special
    for coding in codings:
        if coding.get("system") == EVENT_SYSTEM:
            return coding.get("code", "")
    return codings[0].get("code", "") if codings else ""


def _role(agent: dict[str, Any]) -> str | None:
    for concept in agent.get("role") or ():
        for coding in concept.get("coding") or ():
            if coding.get("system") == ROLE_SYSTEM:
                return coding.get("code")
    return None


def _codes(concept: dict[str, Any] | None) -> set[str]:
    return {coding.get("code", "") for coding in (concept or {}).get("coding") or ()}


def _decoded(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return base64.b64decode(value).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return None
