"""Transport protections: CORS only for registered app origins, no caching of health data,
request ids in structured logs."""

from __future__ import annotations

import json

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dsn.config import Settings
from dsn.store.clock import now_us
from dsn.store.security_schema import oauth_client
from tests.support.auth import bearer


@pytest.fixture
def registered_app(engine: Engine) -> str:
    with engine.begin() as conn:
        conn.execute(
            oauth_client.insert().values(
                client_id="portail",
                name="Portail patient",
                kind="public",
                redirect_uris=orjson.dumps(["https://portail.example.qc.ca/callback"]).decode(),
                origins="[]",
                scope="patient/*.rs",
                active=True,
                created=now_us(),
            )
        )
    return "https://portail.example.qc.ca"


def test_cors_answers_registered_origins_only(client: TestClient, registered_app: str) -> None:
    allowed = client.get("/fhir/metadata", headers={"Origin": registered_app})
    assert allowed.headers["Access-Control-Allow-Origin"] == registered_app
    other = client.get("/fhir/metadata", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/fhir/Patient",
        headers={"Origin": registered_app, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    refused = client.options(
        "/fhir/Patient",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert refused.status_code == 403


def test_health_data_responses_are_not_cached(client: TestClient) -> None:
    response = client.get("/fhir/Patient")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_each_log_line_carries_the_request_id(settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    from dsn.api.app import create_app

    verbose = settings.model_copy(update={"log_level": "INFO"})
    app = create_app(verbose, migrate=False)
    with TestClient(app, headers=bearer(verbose)) as client:
        response = client.get("/fhir/Patient", headers={"X-Request-ID": "trace-42"})
    app.state.engine.dispose()
    assert response.headers["X-Request-ID"] == "trace-42"
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert any(line.get("event") == "request" and line.get("request_id") == "trace-42" for line in lines)
