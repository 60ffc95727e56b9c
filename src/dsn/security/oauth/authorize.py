"""The authorization request (SMART App Launch v2 §2.1.6) and the code it ends with.

Validation order follows RFC 6749 §4.1.2.1: while the client or its redirect URI is in
doubt, errors are shown to the user and never sent anywhere; once both are trusted,
errors travel back to the app on its redirect URI with ``state``.

The login page carries the request's parameters in hidden fields and every POST
validates them again, so tampering with them gains nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.clients import Client, get_client
from dsn.security.launch import LaunchContext, find_launch
from dsn.security.oauth.codes import CodeGrant, issue_code
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.pkce import require_challenge
from dsn.security.oauth.scope_policy import client_scopes, has_clinical, user_scopes
from dsn.security.users import User, patients_of

REQUEST_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "aud",
    "code_challenge",
    "code_challenge_method",
    "launch",
    "nonce",
)


class RedirectError(OAuthError):
    """An error for the app, delivered on its (verified) redirect URI."""

    def __init__(self, error: str, description: str, redirect_uri: str, state: str | None) -> None:
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]  # requested, already narrowed to the client
    state: str | None
    code_challenge: str
    nonce: str | None
    launch: LaunchContext | None
    params: dict[str, str]  # as received, to carry through the login form

    def error(self, error: str, description: str) -> RedirectError:
        return RedirectError(error, description, self.redirect_uri, self.state)

    @property
    def wants_patient_context(self) -> bool:
        return "launch/patient" in self.scopes or any(s.startswith("patient/") for s in self.scopes)


def parse_request(params: Mapping[str, str], *, engine: Engine, settings: Settings, now: int) -> AuthorizationRequest:
    received = {name: params[name] for name in REQUEST_PARAMS if params.get(name)}
    client_id = received.get("client_id", "")
    client = get_client(engine, client_id) if client_id else None
    if client is None or not client.active:
        raise OAuthError("invalid_client", f"unknown or disabled client '{client_id}'")
    if client.kind == "backend":
        raise OAuthError("unauthorized_client", "a backend service cannot use the authorization code flow")
    redirect_uri = received.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:  # exact match, no defaulting (SMART requires the parameter)
        raise OAuthError("invalid_request", "redirect_uri is missing or not registered for this client")
    state = received.get("state")

    def fail(error: str, description: str) -> RedirectError:
        return RedirectError(error, description, redirect_uri, state)

    if received.get("response_type") != "code":
        raise fail("unsupported_response_type", "response_type must be code")
    if received.get("aud", "").rstrip("/") != settings.base_url.rstrip("/"):
        raise fail("invalid_request", f"aud must be this FHIR server's base URL ({settings.base_url})")
    try:
        challenge = require_challenge(received.get("code_challenge"), received.get("code_challenge_method"))
    except OAuthError as exc:
        raise fail(exc.error, exc.description) from None
    requested = received.get("scope", "").split()
    scopes = tuple(client_scopes(requested, client))
    if not scopes:
        raise fail("invalid_scope", "none of the requested scopes is allowed for this client")
    launch = None
    if received.get("launch"):
        launch = find_launch(engine, received["launch"], now=now)
        if launch is None:
            raise fail("invalid_request", "the launch context is unknown or has expired")
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        code_challenge=challenge,
        nonce=received.get("nonce"),
        launch=launch,
        params=received,
    )


@dataclass(frozen=True, slots=True)
class PatientChoice:
    """The launch patient decided for a login, or the options when the user must pick."""

    patient: str | None
    encounter: str | None = None
    options: tuple[str, ...] = ()  # for patient users with children
    needs_pick: bool = False
    typed: bool = False  # a clinician typed the id: check that the Patient exists


def choose_patient(request: AuthorizationRequest, user: User, engine: Engine, picked: str | None) -> PatientChoice:
    """Which patient ``patient/`` scopes are bound to.

    EHR launch: the launch's patient (the launch must be this user's). A patient user:
    themselves, or a represented child they pick. A clinician in a standalone launch
    asking ``launch/patient``: the patient they pick.
    """
    if request.launch is not None:
        if request.launch.user_id != user.id:
            raise request.error("access_denied", "the launch context belongs to another user")
        return PatientChoice(request.launch.patient, request.launch.encounter)
    if user.role == "patient":
        options = patients_of(engine, user)
        if picked:
            if picked not in options:
                raise request.error("access_denied", "the chosen patient is not one this user may act for")
            return PatientChoice(picked, options=options)
        if len(options) > 1 and request.wants_patient_context:
            return PatientChoice(None, options=options, needs_pick=True)
        return PatientChoice(options[0] if options else None, options=options)
    if "launch/patient" in request.scopes:
        if picked:
            return PatientChoice(picked, typed=True)
        return PatientChoice(None, needs_pick=True)
    return PatientChoice(None)


def granted_scopes(
    request: AuthorizationRequest, user: User, patient: str | None, settings: Settings
) -> tuple[str, ...]:
    scopes = user_scopes(
        list(request.scopes),
        user.role,
        has_patient=patient is not None,
        role_matrix_file=getattr(settings, "role_matrix_file", None),
    )
    if not has_clinical(scopes) and "openid" not in scopes:
        raise request.error("invalid_scope", "none of the requested scopes can be granted to this user")
    return tuple(scopes)


def issue_authorization_code(
    request: AuthorizationRequest,
    user: User,
    choice: PatientChoice,
    *,
    engine: Engine,
    settings: Settings,
    now: int,
) -> tuple[str, tuple[str, ...]]:
    """The code for a logged-in user (and the scopes it carries)."""
    scopes = granted_scopes(request, user, choice.patient, settings)
    context: dict[str, object] = {"auth_time": now}
    if choice.patient:
        context["patient"] = choice.patient
    if choice.encounter:
        context["encounter"] = choice.encounter
    grant = CodeGrant(
        client_id=request.client.client_id,
        user_id=user.id,
        redirect_uri=request.redirect_uri,
        scopes=scopes,
        code_challenge=request.code_challenge,
        nonce=request.nonce,
        context=context,
    )
    return issue_code(engine, grant, lifetime=settings.auth_code_lifetime, now=now), scopes
