"""The access policy as the service applies it: decisions become FHIR errors, row rules SQL.

Everything here asks :mod:`dsn.security.policy`; this module only gathers the facts the
policy needs (is the region live, which break-the-glass grants are open) and turns a
denial into the right HTTP status. Grants are read from the database on every request,
so a new or expired grant takes effect immediately.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from dsn.security.policy import REGION_BOUND_ROLES, Access, access_for, decide
from dsn.service.context import Caller, RequestContext
from dsn.service.errors import FhirError
from dsn.store.clock import now_us
from dsn.store.records import StoredResource
from dsn.store.security_schema import btg_grant, region
from dsn.store.session import Store

Visibility = Callable[[Any], ColumnElement[bool]]


class AccessControl:
    """Applies the policy for one server: authorization checks and row visibility."""

    def __init__(self, store: Store, override_file: str | None = None, region_ttl: float = 1.0) -> None:
        self._store = store
        self._override_file = override_file
        self._region_ttl = region_ttl
        self._regions: dict[str, bool] = {}
        self._regions_read = float("-inf")
        self._lock = threading.Lock()

    # -- request-level -------------------------------------------------------------------

    def require(self, ctx: RequestContext, action: str, res_type: str) -> None:
        """Raise 401/403 unless the caller may ``action`` resources of ``res_type``."""
        decision = decide(ctx.caller, action, res_type, region_live=self.region_live, override_file=self._override_file)
        if not decision.allowed:
            raise denial(decision.status, decision.reason)

    def require_authenticated(self, ctx: RequestContext) -> None:
        if ctx.caller.kind == "anonymous":
            raise denial(401, "authentication required: send an OAuth 2.0 bearer token")

    def region_live(self, code: str) -> bool:
        now = time.monotonic()
        if now - self._regions_read >= self._region_ttl:
            with self._lock, self._store.engine.connect() as conn:
                self._regions = {code: bool(live) for code, live in conn.execute(select(region.c.code, region.c.live))}
                self._regions_read = now
        return bool(self._regions.get(code, False))

    # -- row-level ---------------------------------------------------------------------

    def access(self, ctx: RequestContext, letter: str, conn: Connection) -> Access:
        return access_for(
            ctx.caller,
            letter,
            glass_patients=self.glass_patients(ctx.caller, conn),
            override_file=self._override_file,
            now=now_us(),
        )

    def visibility(self, ctx: RequestContext, letter: str, conn: Connection) -> Visibility | None:
        return self.access(ctx, letter, conn).visibility()

    def glass_patients(self, caller: Caller, conn: Connection) -> tuple[str, ...]:
        """Patients for whom the caller holds an open break-the-glass grant."""
        if caller.kind != "user" or caller.is_patient:
            return ()
        rows = conn.execute(
            select(btg_grant.c.patient_id).where(
                btg_grant.c.user_id == caller.subject, btg_grant.c.expires_at > now_us()
            )
        ).scalars()
        return tuple(sorted(set(rows)))

    # -- writes --------------------------------------------------------------------------

    def require_writable(self, ctx: RequestContext, existing: StoredResource) -> None:
        """A record may be changed only from the region that wrote it.

        This binds the regional roles (clinicians, privacy officers); the server, backend
        integration clients and provincial administrators are not tied to a region.
        """
        caller = ctx.caller
        if caller.kind != "user" or caller.role not in REGION_BOUND_ROLES or existing.source_region is None:
            return
        if caller.region != existing.source_region:
            raise denial(
                403,
                f"{existing.reference} was recorded in region {existing.source_region}; "
                f"it can be corrected only from there",
            )

    def require_own_compartment(self, ctx: RequestContext, patient_key: str | None) -> None:
        """Patients (and ``patient/``-scoped apps) write only inside their own compartment."""
        caller = ctx.caller
        if caller.is_patient:
            allowed = caller.patients
        elif caller.launch_patient and not _has_user_write(caller):
            allowed = (caller.launch_patient,)
        else:
            return
        if patient_key not in allowed:
            raise denial(403, "this resource is outside the patient compartment the token is bound to")


def _has_user_write(caller: Caller) -> bool:
    from dsn.security.scopes import clinical_scopes

    return any(s.context == "user" and s.permissions & {"c", "u", "d"} for s in clinical_scopes(caller.scopes))


def denial(status: int, reason: str) -> FhirError:
    code = "login" if status == 401 else "forbidden"
    headers = {"WWW-Authenticate": 'Bearer realm="DSN"'} if status == 401 else {}
    return FhirError(status, code, reason, headers=headers)
