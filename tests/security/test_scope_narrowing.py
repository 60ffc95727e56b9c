"""Scope escalation: a grant is requested ∩ client-allowed ∩ what the user's role could use."""

from __future__ import annotations

from dsn.security.clients import Client
from dsn.security.oauth.scope_policy import backend_scopes, client_scopes, user_scopes

from .support import (
    AuthRequest,
    add_app,
    add_clinician,
    add_patient_user,
    authorize,
    exchange,
    open_login,
    redirect_params,
)


def _client(scope: str, kind: str = "public") -> Client:
    return Client("c", "c", kind, None, (), tuple(scope.split()), None, None, True)


def test_a_client_gets_no_more_than_it_was_registered_for():
    app = _client("patient/Observation.rs")
    assert client_scopes(["patient/*.cruds", "patient/Observation.rs", "patient/Observation.read"], app) == [
        "patient/Observation.rs",
        "patient/Observation.read",
    ]


def test_offline_access_must_be_registered_but_identity_scopes_need_not():
    app = _client("patient/*.rs")
    assert client_scopes(["openid", "fhirUser", "launch/patient", "offline_access"], app) == [
        "openid",
        "fhirUser",
        "launch/patient",
    ]


def test_a_patient_only_gets_patient_scopes_cut_to_what_patients_may_do():
    granted = user_scopes(
        ["user/*.rs", "patient/Observation.cruds", "system/*.rs", "openid"], "patient", has_patient=True
    )
    assert granted == ["patient/Observation.rs", "openid"]


def test_a_pharmacist_keeps_only_what_the_role_matrix_allows_on_a_type():
    assert user_scopes(["user/MedicationRequest.cruds", "user/Appointment.rs"], "pharmacist", has_patient=False) == [
        "user/MedicationRequest.cruds"
    ]


def test_v1_scopes_are_understood_and_narrowed():
    assert user_scopes(["patient/Observation.write", "patient/Observation.read"], "patient", has_patient=True) == [
        "patient/Observation.read"
    ]


def test_a_backend_service_gets_system_scopes_only():
    service = _client("system/*.rs", kind="backend")
    assert backend_scopes(["system/Observation.rs", "system/*.cruds", "user/*.rs"], service) == [
        "system/Observation.rs"
    ]


def test_scope_escalation_through_the_login_is_narrowed(client):
    add_patient_user(client)
    add_app(client, "patient/Observation.rs")
    request = AuthRequest(scope="patient/*.cruds patient/Observation.rs user/*.cruds system/*.cruds")
    tokens = exchange(client, request, authorize(client, request, "marie")["code"]).json()
    assert tokens["scope"] == "patient/Observation.rs"


def test_a_request_with_nothing_grantable_is_refused(client):
    add_app(client, "patient/Observation.rs")
    error = redirect_params(open_login(client, AuthRequest(scope="system/*.cruds user/*.cruds")))
    assert error["error"] == "invalid_scope"


def test_nothing_grantable_to_this_user_is_refused_after_login(client):
    add_clinician(client, "commis", role="clerk")
    add_app(client, "user/Observation.rs")
    request = AuthRequest(scope="user/Observation.rs")
    page = open_login(client, request)
    from .support import submit_login

    error = redirect_params(submit_login(client, page.text, "commis"))
    assert error["error"] == "invalid_scope"
