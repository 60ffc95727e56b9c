"""Authorization code + PKCE (SMART App Launch v2): the happy path and every way to break it."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet

from dsn.security.authentication import authenticate
from dsn.security.oauth.pkce import challenge_of

from .support import (
    REDIRECT_URI,
    AuthRequest,
    add_app,
    add_patient_user,
    authorize,
    bearer,
    engine_of,
    exchange,
    hidden_fields,
    login_for_tokens,
    open_login,
    redirect_params,
    settings_of,
    submit_login,
)


def test_a_patient_logs_in_and_the_app_gets_tokens_bound_to_their_record(client):
    add_patient_user(client)
    add_app(client)
    request = AuthRequest(scope="openid fhirUser launch/patient patient/Observation.rs offline_access")

    answer = authorize(client, request, "marie")
    assert answer["state"] == request.state
    assert answer["iss"] == "http://testserver"
    tokens = exchange(client, request, answer["code"]).json()

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert tokens["patient"] == "pat-marie"
    assert tokens["scope"].split() == [
        "openid",
        "fhirUser",
        "launch/patient",
        "patient/Observation.rs",
        "offline_access",
    ]
    assert tokens["refresh_token"]
    caller = authenticate(f"Bearer {tokens['access_token']}", settings=settings_of(client), engine=engine_of(client))
    assert (caller.kind, caller.role, caller.launch_patient) == ("user", "patient", "pat-marie")
    assert caller.patients == ("pat-marie",)
    assert caller.fhir_user == "Patient/pat-marie"
    assert caller.client_id == "app"


def test_the_id_token_names_the_fhir_user_and_echoes_the_nonce(client):
    add_patient_user(client)
    add_app(client)
    tokens = login_for_tokens(client, AuthRequest(scope="openid fhirUser patient/*.rs"), "marie")
    keys = KeySet.import_key_set(client.get("/jwks").json())
    id_token = jwt.decode(tokens["id_token"], keys, algorithms=["ES256"]).claims

    assert id_token["aud"] == "app"
    assert id_token["iss"] == "http://testserver"
    assert id_token["nonce"] == "n-0S6"
    assert id_token["fhirUser"] == "Patient/pat-marie"


def test_fhir_user_claim_is_left_out_when_the_scope_was_not_granted(client):
    add_patient_user(client)
    add_app(client)
    tokens = login_for_tokens(client, AuthRequest(scope="openid patient/*.rs"), "marie")
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(client.get("/jwks").json()), algorithms=["ES256"])
    assert "fhirUser" not in claims.claims
    assert "refresh_token" not in tokens  # neither offline_access nor online_access asked


def test_pkce_is_required_at_the_authorization_endpoint(client):
    add_app(client)
    response = open_login(client, AuthRequest(scope="patient/*.rs", challenge="", method=None, verifier="x" * 43))
    error = redirect_params(response)
    assert error["error"] == "invalid_request"
    assert "PKCE" in error["error_description"]


def test_the_plain_pkce_method_is_refused(client):
    add_app(client)
    verifier = "v" * 50
    response = open_login(
        client, AuthRequest(scope="patient/*.rs", verifier=verifier, challenge=verifier[:43], method="plain")
    )
    assert redirect_params(response)["error"] == "invalid_request"


def test_a_wrong_or_missing_code_verifier_gets_no_token(client):
    add_patient_user(client)
    add_app(client)
    request = AuthRequest(scope="patient/*.rs")
    code = authorize(client, request, "marie")["code"]
    wrong = exchange(client, request, code, code_verifier="w" * 64)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    code = authorize(client, request, "marie")["code"]
    missing = exchange(client, request, code, code_verifier=None)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


def test_an_unregistered_redirect_uri_is_never_redirected_to(client):
    add_app(client)
    response = open_login(client, AuthRequest(scope="patient/*.rs", redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "redirect_uri" in response.text


def test_the_code_must_be_redeemed_with_the_same_redirect_uri(client):
    add_patient_user(client)
    add_app(client, redirect_uris=[REDIRECT_URI, "https://app.example/other"])
    request = AuthRequest(scope="patient/*.rs")
    code = authorize(client, request, "marie")["code"]
    response = exchange(client, request, code, redirect_uri="https://app.example/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_works_once_and_its_reuse_revokes_what_it_gave(client):
    add_patient_user(client)
    add_app(client)
    request = AuthRequest(scope="patient/*.rs offline_access")
    code = authorize(client, request, "marie")["code"]
    first = exchange(client, request, code).json()

    again = exchange(client, request, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert client.get("/oauth/userinfo", headers=bearer(first["access_token"])).status_code == 401
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": "app"},
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_a_code_issued_to_one_client_is_useless_to_another(client):
    add_patient_user(client)
    add_app(client)
    add_app(client, client_id="other-app")
    request = AuthRequest(scope="patient/*.rs")
    code = authorize(client, request, "marie")["code"]
    response = exchange(client, request, code, client_id="other-app")
    assert response.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(client):
    from .support import use_fake_clock

    clock = use_fake_clock(client)
    add_patient_user(client)
    add_app(client)
    request = AuthRequest(scope="patient/*.rs")
    code = authorize(client, request, "marie")["code"]
    clock.advance(61)
    assert exchange(client, request, code).json()["error"] == "invalid_grant"


def test_the_audience_must_be_this_fhir_server(client):
    add_app(client)
    response = open_login(client, AuthRequest(scope="patient/*.rs", aud="https://other.example/fhir"))
    assert redirect_params(response)["error"] == "invalid_request"


def test_an_unknown_client_sees_an_error_page_not_a_redirect(client):
    response = open_login(client, AuthRequest(scope="patient/*.rs", client_id="nobody"))
    assert response.status_code == 400
    assert "location" not in response.headers


def test_a_confidential_app_must_authenticate_to_redeem_its_code(client):
    add_patient_user(client)
    _, secret = add_app(client, kind="confidential", client_id="portal")
    request = AuthRequest(scope="patient/*.rs", client_id="portal")
    code = authorize(client, request, "marie")["code"]
    anonymous = exchange(client, request, code)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"

    code = authorize(client, request, "marie")["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": request.verifier,
    }
    response = client.post("/oauth/token", data=form, auth=("portal", secret))
    assert response.status_code == 200, response.text


def test_the_login_form_refuses_a_post_without_its_csrf_token(client):
    add_patient_user(client)
    add_app(client)
    page = open_login(client, AuthRequest(scope="patient/*.rs"))
    form = hidden_fields(page.text) | {"username": "marie", "password": "x", "csrf_token": "forged" * 8}
    response = client.post("/oauth/authorize", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert "location" not in response.headers


def test_the_login_form_refuses_a_post_from_another_origin(client):
    add_patient_user(client)
    add_app(client)
    page = open_login(client, AuthRequest(scope="patient/*.rs"))
    form = hidden_fields(page.text) | {"username": "marie", "password": "x"}
    response = client.post(
        "/oauth/authorize", data=form, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_tampering_with_the_carried_request_is_validated_again(client):
    add_patient_user(client)
    add_app(client)
    page = open_login(client, AuthRequest(scope="patient/*.rs"))
    response = submit_login(client, page.text, "marie", redirect_uri="https://evil.example/cb")
    assert response.status_code == 400
    assert "location" not in response.headers


def test_pkce_challenge_is_the_base64url_sha256_of_the_verifier():
    # RFC 7636 appendix B
    assert challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_token_endpoint_accepts_only_known_grant_types(client):
    response = client.post("/oauth/token", data={"grant_type": "password", "username": "a", "password": "b"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert response.headers["cache-control"] == "no-store"


def test_a_missing_redirect_uri_is_an_error_page(client):
    add_app(client)
    response = open_login(client, AuthRequest(scope="patient/*.rs", redirect_uri=""))
    assert response.status_code == 400
    assert "location" not in response.headers
