"""SMART on FHIR scopes (App Launch v2, with v1 ``.read``/``.write`` accepted).

A clinical scope is ``context/resource.permissions``: context ``patient`` (bound to the
launch patient), ``user`` (what the user may see) or ``system`` (backend services);
resource a type or ``*``; permissions a subset of ``cruds`` in that order (v2) or
``read``/``write``/``*`` (v1). Scopes with a query (``patient/Observation.rs?category=…``)
are parsed and grant nothing: DSN does not enforce granular queries yet, and granting
the unrestricted scope instead would widen access beyond what was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERMISSIONS = "cruds"
_V2 = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.([cruds]+)$")
_V1 = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$")
_V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}
IDENTITY_SCOPES = frozenset(
    {"openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access"}
)


@dataclass(frozen=True, slots=True)
class ClinicalScope:
    context: str  # patient | user | system
    resource: str  # a type or "*"
    permissions: frozenset[str]

    def covers(self, res_type: str, permission: str) -> bool:
        return permission in self.permissions and self.resource in ("*", res_type)


class ScopeError(ValueError):
    """A scope string that is not a SMART scope."""


def parse_scope(text: str) -> ClinicalScope | None:
    """The clinical scope in ``text``; None for identity/launch scopes and query-scoped ones."""
    if text in IDENTITY_SCOPES or "?" in text:
        return None
    match = _V2.match(text)
    if match:
        context, resource, letters = match.groups()
        if "".join(sorted(letters, key=PERMISSIONS.index)) != letters or len(set(letters)) != len(letters):
            raise ScopeError(f"permissions in '{text}' must be a subset of 'cruds' in that order")
        return ClinicalScope(context, resource, frozenset(letters))
    match = _V1.match(text)
    if match:
        context, resource, action = match.groups()
        return ClinicalScope(context, resource, frozenset(_V1_PERMISSIONS[action]))
    raise ScopeError(f"'{text}' is not a SMART scope")


def is_known_scope(text: str) -> bool:
    try:
        parse_scope(text)
    except ScopeError:
        return False
    return True


def clinical_scopes(scopes: tuple[str, ...] | list[str]) -> list[ClinicalScope]:
    parsed = []
    for text in scopes:
        try:
            scope = parse_scope(text)
        except ScopeError:
            continue
        if scope is not None:
            parsed.append(scope)
    return parsed


def scope_allows(scopes: tuple[str, ...] | list[str], res_type: str, permission: str) -> list[str]:
    """The contexts (patient/user/system) under which ``scopes`` grant ``permission`` on ``res_type``."""
    return sorted({s.context for s in clinical_scopes(scopes) if s.covers(res_type, permission)})


def narrow(requested: list[str], allowed: list[str]) -> list[str]:
    """The requested scopes that an allowed set covers (a client never gets more than allowed).

    A requested clinical scope is kept when some allowed scope of the same context
    covers its resource and every permission; identity scopes are kept when allowed.
    """
    allowed_clinical = clinical_scopes(allowed)
    granted = []
    for text in requested:
        try:
            scope = parse_scope(text)
        except ScopeError:
            continue
        if scope is None:
            if text in allowed and "?" not in text:
                granted.append(text)
            continue
        if any(
            a.context == scope.context and a.resource in ("*", scope.resource) and scope.permissions <= a.permissions
            for a in allowed_clinical
        ):
            granted.append(text)
    return granted
