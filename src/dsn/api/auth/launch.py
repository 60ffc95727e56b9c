"""``POST /oauth/launch``: an EHR (the DSN chart or another) opens a SMART app on a patient.

The logged-in clinician's access token authenticates the call; the body names the
patient (JSON ``{"patient": "…", "encounter": "…"}`` or a form). The answer is the opaque
``launch`` id to append to the app's launch URL (``?iss=…&launch=…``).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from dsn.api.auth.common import engine_of, now_of, oauth_error, oauth_json, read_form, settings_of, unauthorized
from dsn.security.authentication import AuthenticationError, authenticate
from dsn.security.launch import create_launch
from dsn.security.oauth.errors import OAuthError, invalid_request
from dsn.service.context import Caller, RequestContext
from dsn.service.errors import FhirError

router = APIRouter()


@router.post("/oauth/launch", include_in_schema=False)
async def launch(request: Request) -> JSONResponse:
    settings, engine = settings_of(request), engine_of(request)
    try:
        header = request.headers.get("authorization")
        if not header:
            raise AuthenticationError("an access token is required")
        caller = await run_in_threadpool(authenticate, header, settings=settings, engine=engine)
    except AuthenticationError as exc:
        return unauthorized(exc)
    try:
        if caller.kind != "user" or caller.role == "patient":
            raise OAuthError("access_denied", "only clinicians launch apps on a patient", 403)
        body = await _body(request)
        patient = body.get("patient")
        if not isinstance(patient, str) or not patient:
            raise invalid_request("patient is required")
        encounter = body.get("encounter") if isinstance(body.get("encounter"), str) else None
        await run_in_threadpool(_require_visible_patient, request, caller, patient)
        launch_id = await run_in_threadpool(
            create_launch,
            engine,
            caller.subject,
            patient=patient,
            encounter=encounter,
            lifetime=settings.launch_lifetime,
            now=now_of(request),
        )
    except OAuthError as exc:
        return oauth_error(exc)
    return oauth_json({"launch": launch_id, "iss": settings.base_url, "expires_in": settings.launch_lifetime}, 201)


def _require_visible_patient(request: Request, caller: Caller, patient: str) -> None:
    """The clinician must be able to read the patient: the read goes through the access
    policy and is audited, so opening an app on a patient leaves its trace."""
    ctx = RequestContext(
        caller=caller,
        request_id=getattr(request.state, "request_id", ""),
        remote_addr=request.client.host if request.client else None,
    )
    try:
        request.app.state.service.read(ctx, "Patient", patient)
    except FhirError as exc:
        raise OAuthError("invalid_request", f"patient {patient} cannot be opened: {exc}", 400) from None


async def _body(request: Request) -> dict[str, object]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(await request.body())
        except ValueError:
            raise invalid_request("the body is not JSON") from None
        if not isinstance(data, dict):
            raise invalid_request("the body must be a JSON object")
        return data
    return dict(await read_form(request))
