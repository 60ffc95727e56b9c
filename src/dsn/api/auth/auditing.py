"""Security events of the authorization server in the audit log: logins and token issues.

Successful logins and issued tokens are recorded durably before the answer leaves
(fail closed: no audit, no login); failed logins are recorded best effort, so an
outage of the log cannot be used to lock people out.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dsn.audit.record import Agent, AuditRecord
from dsn.audit.writer import AuditUnavailable
from dsn.security.users import User


def _log(request: Request) -> Any:
    return request.app.state.service.audit_log


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_agent(request: Request, user: User | None, username: str, client_id: str | None) -> Agent:
    if user is None:
        return Agent(
            kind="user",
            user_id=username[:100] or "?",
            display="",
            client_id=client_id,
            network_address=_address(request),
        )
    fhir_user = (
        f"Practitioner/{user.practitioner_id}"
        if user.practitioner_id
        else (f"Patient/{user.patient_id}" if user.patient_id else None)
    )
    return Agent(
        kind="user",
        user_id=user.id,
        display=user.display_name,
        role=user.role,
        organization=user.organization_id,
        region=user.region_code,
        client_id=client_id,
        network_address=_address(request),
        fhir_user=fhir_user,
    )


async def login(request: Request, user: User | None, username: str, client_id: str | None, outcome: str) -> None:
    """Record a login attempt; raises AuditUnavailable for a success that cannot be recorded."""
    record = AuditRecord(
        agent=user_agent(request, user, username, client_id),
        subtype="login",
        outcome=0 if outcome == "ok" else 4,
        request_id=getattr(request.state, "request_id", ""),
        detail=None if outcome == "ok" else outcome,
    )
    try:
        await run_in_threadpool(_log(request).record_read, record)
    except AuditUnavailable:
        if outcome == "ok":
            raise


def _claims(access_token: Any) -> dict[str, Any]:
    """The payload of a token this server has just signed (no need to verify it again)."""
    try:
        payload = access_token.split(".")[1]
        return orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (AttributeError, IndexError, ValueError, orjson.JSONDecodeError):
        return {}


async def token_issued(request: Request, form: dict[str, str], body: dict[str, Any]) -> None:
    """Record an issued token: to whom, through which client, which scopes and patient."""
    claims = _claims(body.get("access_token"))
    record = AuditRecord(
        agent=Agent(
            kind=claims.get("dsn_kind", "user"),
            user_id=str(claims.get("sub") or form.get("client_id") or "?"),
            display=claims.get("dsn_name") or "",
            role=claims.get("dsn_role"),
            organization=claims.get("dsn_org"),
            region=claims.get("dsn_region"),
            client_id=claims.get("client_id") or form.get("client_id"),
            network_address=_address(request),
            fhir_user=claims.get("fhirUser"),
        ),
        subtype="token",
        patient_ids=(body["patient"],) if isinstance(body.get("patient"), str) else (),
        request_id=getattr(request.state, "request_id", ""),
        detail=f"{form.get('grant_type', '?')}: {body.get('scope', '')}"[:500],
    )
    await run_in_threadpool(_log(request).record_read, record)
