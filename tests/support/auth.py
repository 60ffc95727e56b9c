"""Real access tokens for tests, signed by the server's own keys.

Tests authenticate exactly as production clients do: with a bearer JWT that the
server verifies. The tokens are minted with the server's token module (the same code
the /oauth/token endpoint uses), so no test-only path exists in the server.
"""

from __future__ import annotations

import time

from dsn.config import Settings
from dsn.security.tokens import Grant, issue_access_token

INTEGRATION_SCOPES = ("system/*.cruds",)


def token(
    settings: Settings,
    *,
    kind: str = "client",
    subject: str = "test-integration",
    display: str | None = None,
    scopes: tuple[str, ...] = INTEGRATION_SCOPES,
    role: str | None = None,
    organization: str | None = None,
    region: str | None = None,
    patients: tuple[str, ...] = (),
    launch_patient: str | None = None,
    fhir_user: str | None = None,
    client_id: str = "test-client",
) -> str:
    grant = Grant(
        kind=kind,
        subject=subject,
        client_id=client_id,
        scopes=scopes,
        display=display or subject,
        role=role,
        organization=organization,
        region=region,
        patients=patients,
        launch_patient=launch_patient,
        fhir_user=fhir_user,
    )
    text, _claims = issue_access_token(grant, settings, now=int(time.time()))
    return text


def bearer(settings: Settings, **kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, **kwargs)}"}  # type: ignore[arg-type]
