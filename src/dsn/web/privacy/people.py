"""Names for the ids the audit log holds: patients (through the service), users (from their accounts).

Audit records name patients by id. A privacy officer needs the name to judge an
access, so the pages look the patients of a page up in one ``Patient?_id=`` search
through the service: the access policy decides (a patient hidden from the officer
stays an id) and the lookup is itself audited, as any read of a patient is. Users are
found by user name or id in the account table, which holds no health information.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from dsn.security.users import find_user, get_user
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError
from dsn.service.records import RecordService


def patient_names(service: RecordService, ctx: RequestContext, ids: Iterable[str]) -> dict[str, str]:
    """``{patient id: "Given Family"}`` for the patients the caller may see; unknown ids are left out."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    try:
        outcome = service.search(ctx, "Patient", [("_id", ",".join(wanted)), ("_count", str(len(wanted)))])
    except FhirError:
        return {}
    names = {}
    for stored in outcome.result.matches:
        resource = stored.resource or {}
        name = human_name(resource)
        if name:
            names[stored.res_id] = name
    return names


def human_name(resource: dict[str, Any]) -> str:
    """The official (else first) name of a Patient, as "Given Family"."""
    names = [n for n in resource.get("name") or () if isinstance(n, dict)]
    if not names:
        return ""
    chosen = next((n for n in names if n.get("use") == "official"), names[0])
    if chosen.get("text"):
        return str(chosen["text"])
    parts = [*(str(g) for g in chosen.get("given") or ()), str(chosen.get("family") or "")]
    return " ".join(p for p in parts if p).strip()


def user_id_for(engine: Engine, typed: str) -> str:
    """The audit log's user id for what was typed: a user name, or already an id (or an API subject)."""
    user = find_user(engine, typed)
    return user.id if user is not None else typed


def user_display(engine: Engine, user_id: str) -> str:
    user = get_user(engine, user_id)
    return user.display_name if user is not None else user_id
