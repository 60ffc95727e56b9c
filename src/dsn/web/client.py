"""The web application as a SMART app of its own server.

The chart, portal and privacy pages log people in through the same ``/oauth/authorize``
page as any other SMART app (same password checks, lockout, TOTP and login audit), as
the public client ``dsn-web`` with PKCE. Its redirect URI follows the server's public
address, so the registration is brought in step at every start.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from dsn.config import Settings
from dsn.security.clients import Client, ClientError, get_client, register_client
from dsn.security.storage import writing
from dsn.store.security_schema import oauth_client

CLIENT_ID = "dsn-web"
CLIENT_NAME = "DSN — Dossier patient / Patient record"
CALLBACK_PATH = "/app/callback"
# What the app may ask for; the role matrix, the region and consent narrow it per user.
SCOPES = ("user/*.cruds", "patient/*.cruds")
REQUESTED_SCOPES = ("openid", "fhirUser", "profile", *SCOPES)


def redirect_uri(settings: Settings) -> str:
    return settings.issuer_url().rstrip("/") + CALLBACK_PATH


def ensure_web_client(engine: Engine, settings: Settings) -> Client:
    """Register ``dsn-web`` on first start; afterwards keep its redirect URI and scopes current."""
    uri = redirect_uri(settings)
    existing = get_client(engine, CLIENT_ID)
    if existing is None:
        try:
            client, _ = register_client(
                engine, CLIENT_NAME, kind="public", scopes=list(SCOPES), client_id=CLIENT_ID, redirect_uris=[uri]
            )
            return client
        except (ClientError, IntegrityError):
            # Another server process registered it a moment ago: bring that one in step.
            existing = get_client(engine, CLIENT_ID)
            if existing is None:
                raise
    if existing.redirect_uris != (uri,) or existing.scope != SCOPES or existing.kind != "public":
        with writing(engine) as conn:
            conn.execute(
                update(oauth_client)
                .where(oauth_client.c.client_id == CLIENT_ID)
                .values(redirect_uris=json.dumps([uri]), scope=" ".join(SCOPES), kind="public", secret_hash=None)
            )
        existing = get_client(engine, CLIENT_ID)
        assert existing is not None
    return existing
