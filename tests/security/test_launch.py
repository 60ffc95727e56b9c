"""Launch contexts: EHR launch (``launch``), standalone ``launch/patient``, parents acting for children."""

from __future__ import annotations

from dsn.security.users import link_child

from .support import (
    AuthRequest,
    add_app,
    add_clinician,
    add_patient_user,
    authorize,
    bearer,
    engine_of,
    exchange,
    hidden_fields,
    open_login,
    redirect_params,
    submit_form,
    submit_login,
)


def _clinician_token(client) -> str:
    """A clinician's access token, as the DSN chart would hold after its own login.

    The clinician's region is live and the patient the launches name exists: opening an
    app on a patient is a read of that patient, under the access policy.
    """
    from dsn.store.security_schema import region

    with engine_of(client).begin() as conn:
        if conn.execute(region.select().where(region.c.code == "04")).first() is None:
            conn.execute(region.insert().values(code="04", name="Mauricie", live=True))
    _create_patient(client, "pat-42")
    request = AuthRequest(scope="user/*.rs", client_id="chart")
    answer = authorize(client, request, "drtremblay")
    return exchange(client, request, answer["code"]).json()["access_token"]


def _create_patient(client, patient_id: str) -> None:
    body = {"resourceType": "Patient", "id": patient_id, "name": [{"family": "Gagnon"}]}
    assert client.put(f"/fhir/Patient/{patient_id}", json=body).status_code in (200, 201)


def test_a_launch_on_a_patient_the_clinician_cannot_see_is_refused(client):
    add_clinician(client)
    add_app(client, "user/*.rs", client_id="chart")
    token = _clinician_token(client)
    response = client.post("/oauth/launch", json={"patient": "nobody"}, headers=bearer(token))
    assert response.status_code == 400
    assert "cannot be opened" in response.json()["error_description"]


def test_an_ehr_launch_binds_the_app_to_the_patient_open_in_the_chart(client):
    add_clinician(client)
    add_app(client, "user/*.rs", client_id="chart")
    add_app(client, "patient/*.rs launch")
    created = client.post("/oauth/launch", json={"patient": "pat-42"}, headers=bearer(_clinician_token(client)))
    assert created.status_code == 201, created.text
    launch = created.json()["launch"]

    request = AuthRequest(scope="launch openid fhirUser patient/*.rs", launch=launch)
    answer = authorize(client, request, "drtremblay")
    tokens = exchange(client, request, answer["code"]).json()

    assert tokens["patient"] == "pat-42"
    assert "patient/*.rs" in tokens["scope"].split()


def test_creating_a_launch_needs_a_clinicians_token(client, anonymous_client):
    assert anonymous_client.post("/oauth/launch", json={"patient": "pat-42"}).status_code == 401
    assert client.post("/oauth/launch", json={"patient": "pat-42"}).status_code == 403  # a backend client
    add_patient_user(client)
    add_app(client, "patient/*.rs")
    patient_tokens = exchange(
        client, request := AuthRequest(scope="patient/*.rs"), authorize(client, request, "marie")["code"]
    ).json()
    response = client.post("/oauth/launch", json={"patient": "pat-42"}, headers=bearer(patient_tokens["access_token"]))
    assert response.status_code == 403


def test_a_launch_created_by_one_user_cannot_be_used_by_another(client):
    add_clinician(client)
    add_clinician(client, "infirmiere", role="nurse")
    add_app(client, "user/*.rs", client_id="chart")
    add_app(client, "patient/*.rs launch")
    launch = client.post("/oauth/launch", json={"patient": "pat-42"}, headers=bearer(_clinician_token(client)))
    request = AuthRequest(scope="launch patient/*.rs", launch=launch.json()["launch"])
    page = open_login(client, request)
    error = redirect_params(submit_login(client, page.text, "infirmiere"))
    assert error["error"] == "access_denied"


def test_an_unknown_launch_is_refused_before_login(client):
    add_app(client, "patient/*.rs launch")
    error = redirect_params(open_login(client, AuthRequest(scope="launch patient/*.rs", launch="made-up")))
    assert error["error"] == "invalid_request"


def test_a_clinician_picks_the_patient_in_a_standalone_launch(client):
    add_clinician(client)
    add_app(client, "patient/*.rs")
    _create_patient(client, "pat-7")
    request = AuthRequest(scope="launch/patient patient/Observation.rs")
    picker = submit_login(client, open_login(client, request).text, "drtremblay")
    assert picker.status_code == 200
    assert 'name="login_ticket"' in picker.text
    assert 'name="password"' not in picker.text  # the password is not posted twice

    unknown = submit_form(client, picker.text, patient="no-such-patient")
    assert unknown.status_code == 404
    answer = redirect_params(submit_form(client, unknown.text, patient="pat-7"))
    tokens = exchange(client, request, answer["code"]).json()
    assert tokens["patient"] == "pat-7"


def test_a_login_ticket_cannot_be_replayed_into_another_apps_request(client):
    add_clinician(client)
    add_app(client, "patient/*.rs")
    _create_patient(client, "pat-7")
    picker = submit_login(
        client, open_login(client, AuthRequest(scope="launch/patient patient/*.rs")).text, "drtremblay"
    )
    ticket = hidden_fields(picker.text)["login_ticket"]
    other = AuthRequest(scope="launch/patient patient/*.rs")  # a new PKCE challenge
    page = open_login(client, other)
    error = redirect_params(submit_form(client, page.text, login_ticket=ticket, patient="pat-7"))
    assert error["error"] == "access_denied"


def test_without_a_patient_patient_scopes_are_not_granted_to_a_clinician(client):
    add_clinician(client)
    add_app(client, "patient/*.rs user/*.rs")
    request = AuthRequest(scope="patient/*.rs user/Observation.rs")
    tokens = exchange(client, request, authorize(client, request, "drtremblay")["code"]).json()
    assert tokens["scope"] == "user/Observation.rs"
    assert "patient" not in tokens


def test_a_parent_chooses_between_their_own_record_and_their_childs(client):
    add_patient_user(client)
    link_child(engine_of(client), "marie", "pat-child")
    add_app(client, "patient/*.rs")
    request = AuthRequest(scope="launch/patient patient/*.rs")
    picker = submit_login(client, open_login(client, request).text, "marie")
    assert 'value="pat-marie"' in picker.text and 'value="pat-child"' in picker.text

    answer = redirect_params(submit_form(client, picker.text, patient="pat-child"))
    tokens = exchange(client, request, answer["code"]).json()
    assert tokens["patient"] == "pat-child"


def test_a_parent_cannot_pick_a_patient_they_do_not_represent(client):
    add_patient_user(client)
    link_child(engine_of(client), "marie", "pat-child")
    add_app(client, "patient/*.rs")
    picker = submit_login(client, open_login(client, AuthRequest(scope="launch/patient patient/*.rs")).text, "marie")
    error = redirect_params(submit_form(client, picker.text, patient="pat-stranger"))
    assert error["error"] == "access_denied"


def test_a_clinician_cannot_slip_a_patient_into_a_login_without_launch_patient(client):
    add_clinician(client)
    add_app(client, "patient/*.rs user/*.rs")
    _create_patient(client, "pat-7")
    request = AuthRequest(scope="patient/*.rs user/*.rs")
    answer = redirect_params(submit_login(client, open_login(client, request).text, "drtremblay", patient="pat-7"))
    tokens = exchange(client, request, answer["code"]).json()
    assert "patient" not in tokens
    assert tokens["scope"] == "user/*.rs"
