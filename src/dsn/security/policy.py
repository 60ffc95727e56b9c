"""The access policy: one module decides, every way in asks it.

Deny by default. A request is allowed only if *all* of these allow it:

1. the caller is authenticated (``system`` callers are the server itself);
2. the token's SMART scopes cover the resource type and permission letter;
3. the role matrix (dsn.security.roles) lets the caller's role do it;
4. the caller's region is live on DSN (clinicians and privacy officers);
5. for patients, and for ``patient/`` scopes, only the patients' own compartments;
6. restricted data (confidentiality ``R``/``V``) and data the patient refused or
   restricted (dsn.security.consent) only under break-the-glass for that patient, or
   for the patients themselves.

Decisions 1–4 concern the request as a whole (:func:`decide`). Decisions 5–6 concern
rows, so they become a SQL condition (:meth:`Access.visibility`) applied inside every
query — read, search, counts, includes, history, ``$everything`` — so that what a caller
may not see is filtered before paging and never shows up in a count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from dsn.fhir.definitions import resource_types
from dsn.fhir.security_labels import RESTRICTED_CONFIDENTIALITY, label_pattern
from dsn.security import roles
from dsn.security.consent import consent_filter
from dsn.security.scopes import clinical_scopes
from dsn.service.context import Caller

ACTION_LETTER = {
    "read": "r",
    "vread": "r",
    "history": "r",
    "search": "s",
    "create": "c",
    "update": "u",
    "patch": "u",
    "delete": "d",
    "operation": "r",
}
REGION_BOUND_ROLES = frozenset({*roles.CLINICAL_ROLES, "privacy_officer"})
# Reference data a patient may read outside their compartment (who treated them, where).
PATIENT_DIRECTORY_TYPES = frozenset(roles.CATEGORIES["directory"]) | {"Medication", "Substance"}


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    status: int = 200  # 401 unauthenticated, 403 forbidden
    reason: str = ""

    @classmethod
    def deny(cls, status: int, reason: str) -> Decision:
        return cls(False, status, reason)


ALLOW = Decision(True)


def decide(
    caller: Caller,
    action: str,
    res_type: str,
    *,
    region_live: Callable[[str], bool],
    override_file: str | None = None,
) -> Decision:
    """May ``caller`` perform ``action`` on resources of ``res_type`` at all?"""
    if caller.kind == "system":
        return ALLOW
    if caller.kind == "anonymous":
        return Decision.deny(401, "authentication required: send an OAuth 2.0 bearer token")
    letter = ACTION_LETTER[action]
    contexts = {s.context for s in clinical_scopes(caller.scopes) if s.covers(res_type, letter)}
    if caller.kind == "client":
        contexts &= {"system"}
    elif caller.is_patient:
        contexts &= {"patient"}
    else:
        contexts -= {"system"}
    if not contexts:
        return Decision.deny(403, f"the token's scopes do not grant '{letter}' on {res_type}")
    if contexts == {"patient"} and not caller.patients and not caller.launch_patient:
        return Decision.deny(403, "patient/ scopes need a patient in the launch context")
    if caller.kind == "user":
        role = caller.role or ""
        if letter not in roles.permissions(role, res_type, override_file):
            return Decision.deny(403, f"role '{role}' may not {action} {res_type}")
        if role in REGION_BOUND_ROLES:
            if not caller.region:
                return Decision.deny(403, "the user belongs to no region")
            if not region_live(caller.region):
                return Decision.deny(403, f"region {caller.region} is not live on DSN")
    return ALLOW


@dataclass(frozen=True, slots=True)
class Access:
    """What rows one caller may see, for one request.

    ``open_types`` are readable whoever the patient (None: every type);
    ``patient_types`` are readable only inside the compartments of ``patients``.
    Single-type requests were already checked by :func:`decide`; this also limits
    multi-type results (``_include``, ``$everything``, history) to readable types.
    """

    open_types: frozenset[str] | None = None
    patient_types: frozenset[str] = field(default_factory=frozenset)
    patients: tuple[str, ...] = ()
    hide_restricted: bool = False
    glass_patients: tuple[str, ...] = ()
    consent: Callable[[Any], ColumnElement[bool]] | None = None

    @property
    def unrestricted(self) -> bool:
        return self.open_types is None and not self.hide_restricted

    def visibility(self) -> Callable[[Any], ColumnElement[bool]] | None:
        """The row condition, for a table with ``res_type``, ``patient_key`` and ``labels``."""
        if self.unrestricted:
            return None

        def condition(table: Any) -> ColumnElement[bool]:
            parts: list[ColumnElement[bool]] = []
            if self.open_types is not None:
                alternatives = []
                if self.open_types:
                    alternatives.append(table.c.res_type.in_(sorted(self.open_types)))
                if self.patient_types and self.patients:
                    alternatives.append(
                        and_(
                            table.c.res_type.in_(sorted(self.patient_types)),
                            table.c.patient_key.in_(self.patients),
                        )
                    )
                parts.append(or_(*alternatives) if alternatives else false())
            if self.hide_restricted:
                unrestricted = and_(
                    *[
                        or_(table.c.labels.is_(None), ~table.c.labels.like(label_pattern(code)))
                        for code in sorted(RESTRICTED_CONFIDENTIALITY)
                    ],
                    *([self.consent(table)] if self.consent is not None else []),
                )
                if self.glass_patients:
                    unrestricted = or_(unrestricted, table.c.patient_key.in_(self.glass_patients))
                parts.append(unrestricted)
            return and_(*parts) if parts else true()

        return condition


def access_for(
    caller: Caller,
    letter: str,
    *,
    glass_patients: tuple[str, ...] = (),
    override_file: str | None = None,
    now: int = 0,
) -> Access:
    """The row-level access of ``caller`` for permission ``letter`` (``r`` or ``s``).

    Everyone but the patients themselves (and the server) is subject to the patients'
    consent directives and to confidentiality labels; break-the-glass lifts both for
    the patients it covers.
    """
    if caller.kind == "system":
        return Access()
    open_types, patient_types = readable_types(caller.kind, caller.role, caller.scopes, letter, override_file)
    patients = caller.patients if caller.is_patient else ((caller.launch_patient,) if caller.launch_patient else ())
    return Access(
        open_types=open_types,
        patient_types=patient_types,
        patients=tuple(p for p in patients if p),
        hide_restricted=not caller.is_patient,
        glass_patients=glass_patients,
        consent=None if caller.is_patient else consent_filter(actor_refs(caller), now),
    )


@lru_cache(maxsize=512)
def readable_types(
    kind: str, role: str | None, scopes: tuple[str, ...], letter: str, override_file: str | None
) -> tuple[frozenset[str] | None, frozenset[str]]:
    """Types readable by anyone's data (None: all) and types readable only in the patients'
    compartments, for a kind of caller. Cached: it depends on the token's scopes and the
    role only, and walking every type for every request costs a millisecond."""
    parsed = clinical_scopes(scopes)
    is_patient = role == "patient"
    open_types: set[str] = set()
    patient_types: set[str] = set()
    for res_type in resource_types():
        contexts = {s.context for s in parsed if s.covers(res_type, letter)}
        if kind == "client":
            contexts &= {"system"}
        elif is_patient:
            contexts &= {"patient"}
        else:
            contexts -= {"system"}
        if kind == "user" and letter not in roles.permissions(role or "", res_type, override_file):
            contexts = set()
        if not contexts:
            continue
        if is_patient:
            (open_types if res_type in PATIENT_DIRECTORY_TYPES else patient_types).add(res_type)
        elif contexts == {"patient"}:
            patient_types.add(res_type)
        else:
            open_types.add(res_type)
    every_type = len(open_types) == len(resource_types())
    return (None if every_type else frozenset(open_types)), frozenset(patient_types)


def actor_refs(caller: Caller) -> tuple[str, ...]:
    """How consent directives may name this caller: their Practitioner and Organization."""
    refs = []
    if caller.fhir_user and caller.fhir_user.startswith(("Practitioner/", "PractitionerRole/")):
        refs.append(caller.fhir_user)
    if caller.organization:
        refs.append(f"Organization/{caller.organization}")
    return tuple(refs)
