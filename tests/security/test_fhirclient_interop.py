"""An independent SMART client, the ``fhirclient`` package, against a real DSN server over HTTP.

The server runs in uvicorn on 127.0.0.1 in a thread; fhirclient builds the
authorization URL (with its own PKCE), handles the callback, redeems the code, reads
the patient and searches — none of that code was written by DSN's authors. The login
form in between is filled as a browser would, with ``requests``.

Discovery is handed to fhirclient from ``/.well-known/smart-configuration`` (SMART v2);
fhirclient itself only knows the older CapabilityStatement extension.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import uvicorn
from fhirclient import client as fhir_client
from fhirclient.models.observation import Observation

from dsn.api.app import create_app
from dsn.security.clients import register_client
from dsn.security.oauth.assertion import client_assertion, load_private_jwk
from dsn.security.users import create_user
from dsn.service.context import system_context

REDIRECT_URI = "http://127.0.0.1/fhirclient-callback"
PASSWORD = "mot de passe solide 2024"


class LiveServer:
    def __init__(self, settings: Any) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.sock = sock
        self.origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.settings = settings.model_copy(update={"base_url": f"{self.origin}/fhir"})
        self.app = create_app(self.settings, migrate=False)
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.app.state.engine.dispose()

    @property
    def engine(self) -> Any:
        return self.app.state.engine


@pytest.fixture
def live_server(settings) -> Iterator[LiveServer]:
    with LiveServer(settings) as server:
        yield server


def _seed(server: LiveServer) -> None:
    service = server.app.state.service
    ctx = system_context()
    service.update(
        ctx,
        "Patient",
        "pat-lea",
        {"resourceType": "Patient", "id": "pat-lea", "name": [{"family": "Côté", "given": ["Léa"]}]},
    )
    service.create(
        ctx,
        "Observation",
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "subject": {"reference": "Patient/pat-lea"},
            "valueQuantity": {"value": 72, "unit": "/min"},
        },
    )


def _discovered_state(server: LiveServer, app_id: str, scope: str, **auth: Any) -> dict[str, Any]:
    config = requests.get(f"{server.origin}/fhir/.well-known/smart-configuration", timeout=10).json()
    api_base = server.settings.base_url
    return {
        "app_id": app_id,
        "scope": scope,
        "redirect": REDIRECT_URI,
        "server": {
            "base_uri": api_base + "/",
            "auth_type": "oauth2",
            "auth": {
                "app_id": app_id,
                "aud": api_base,
                "authorize_uri": config["authorization_endpoint"],
                "token_uri": config["token_endpoint"],
                "redirect_uri": REDIRECT_URI,
                **auth,
            },
        },
    }


def _log_in_like_a_browser(authorize_url: str, username: str) -> str:
    """Open the login page, post the form, return where DSN redirects the browser."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form = {name: html.unescape(value) for name, value in form.items()}
    form |= {"username": username, "password": PASSWORD}
    answer = browser.post(page.url.split("?")[0], data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_fhirclient_completes_a_standalone_patient_launch_and_reads_the_record(live_server):
    _seed(live_server)
    create_user(live_server.engine, "lea", role="patient", password=PASSWORD, patient_id="pat-lea", display_name="Léa")
    register_client(
        live_server.engine,
        "Appli patient",
        kind="public",
        scopes=["patient/*.rs", "offline_access"],
        client_id="fhirclient-app",
        redirect_uris=[REDIRECT_URI],
    )
    smart = fhir_client.FHIRClient(
        state=_discovered_state(live_server, "fhirclient-app", "openid fhirUser patient/*.rs offline_access")
    )

    callback = _log_in_like_a_browser(smart.authorize_url, "lea")
    assert "code_challenge_method=S256" in smart.authorize_url
    smart.handle_callback(callback)

    assert smart.ready
    assert smart.patient_id == "pat-lea"
    assert smart.human_name(smart.patient.name[0]) == "Léa Côté"
    observations = list(Observation.where({"patient": "pat-lea"}).perform_resources_iter(smart.server))
    assert [o.valueQuantity.value for o in observations] == [72]
    assert smart.reauthorize()  # the rotated refresh token works through fhirclient too


def test_a_backend_service_gets_a_token_with_private_key_jwt_and_searches(live_server, es384_key):
    _seed(live_server)
    private, public = es384_key
    register_client(
        live_server.engine, "Registre", kind="backend", scopes=["system/*.rs"], client_id="registry", jwks=public
    )
    token_url = f"{live_server.origin}/oauth/token"
    key, alg = load_private_jwk(private)
    assertion = client_assertion("registry", token_url, key, alg)
    smart = fhir_client.FHIRClient(state=_discovered_state(live_server, "registry", "system/*.rs", jwt_token=assertion))
    smart.wants_patient = False

    smart.authorize()

    assert smart.launch_context["scope"] == "system/*.rs"
    observations = list(Observation.where({"code": "http://loinc.org|8867-4"}).perform_resources_iter(smart.server))
    assert len(observations) == 1
