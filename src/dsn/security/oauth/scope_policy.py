"""Which requested scopes a grant receives: requested ∩ client-allowed ∩ what the user's role can use.

* The client ceiling is its registered scopes (via :func:`dsn.security.scopes.narrow`);
  apps may always ask for the identity and launch scopes except ``offline_access``,
  which must be registered.
* A user never gets ``system/`` scopes; a patient gets ``patient/`` scopes only.
* A scope on a named resource type keeps only the permissions the role's matrix holds
  on that type (``patient/Observation.cruds`` → ``patient/Observation.rs`` for a
  patient); a wildcard type is left to the access policy, which applies the matrix on
  every request anyway.
* ``patient/`` scopes need a launch patient; without one they are dropped.
"""

from __future__ import annotations

from dsn.security.clients import Client
from dsn.security.roles import permissions
from dsn.security.scopes import PERMISSIONS, ScopeError, narrow, parse_scope

APP_IDENTITY_SCOPES = ("openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "online_access")


def client_ceiling(client: Client) -> list[str]:
    allowed = list(client.scope)
    if client.kind != "backend":
        allowed += [s for s in APP_IDENTITY_SCOPES if s not in allowed]
    return allowed


def client_scopes(requested: list[str], client: Client) -> list[str]:
    return _unique(narrow(requested, client_ceiling(client)))


def user_scopes(scopes: list[str], role: str, *, has_patient: bool, role_matrix_file: str | None = None) -> list[str]:
    """``scopes`` (already narrowed to the client) cut down to what ``role`` could ever use."""
    granted = []
    for text in scopes:
        try:
            scope = parse_scope(text)
        except ScopeError:
            continue
        if scope is None:
            granted.append(text)
            continue
        if scope.context == "system" or (role == "patient" and scope.context != "patient"):
            continue
        if scope.context == "patient" and not has_patient:
            continue
        if scope.resource == "*":
            granted.append(text)
            continue
        letters = scope.permissions & permissions(role, scope.resource, role_matrix_file)
        if not letters:
            continue
        if letters == scope.permissions:
            granted.append(text)
        else:
            ordered = "".join(c for c in PERMISSIONS if c in letters)
            granted.append(f"{scope.context}/{scope.resource}.{ordered}")
    return _unique(granted)


def backend_scopes(requested: list[str], client: Client) -> list[str]:
    """A backend service's grant: system/ scopes only, within its registration."""
    return [s for s in client_scopes(requested, client) if s.startswith("system/")]


def has_clinical(scopes: list[str]) -> bool:
    for text in scopes:
        try:
            if parse_scope(text) is not None:
                return True
        except ScopeError:
            continue
    return False


def _unique(scopes: list[str]) -> list[str]:
    seen: list[str] = []
    for scope in scopes:
        if scope not in seen:
            seen.append(scope)
    return seen
