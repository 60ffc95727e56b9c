"""CORS limited to the browser origins of registered apps.

A SMART app running in a browser calls the FHIR API from its own origin. DSN answers
cross-origin requests only for origins that belong to a registered, active client
(its ``origins``, and the origins of its redirect URIs); any other origin gets no CORS
headers, so the browser withholds the response, and its preflight is refused.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Engine, select
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dsn.api.responses import fhir_json
from dsn.fhir.outcome import single_issue
from dsn.store.security_schema import oauth_client

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Exist, If-None-Match, X-Request-ID"
EXPOSED_HEADERS = "Location, ETag, Last-Modified, Content-Location, X-Request-ID, WWW-Authenticate"


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class RegisteredOrigins:
    """The set of allowed origins, re-read from the client registry every few seconds."""

    def __init__(self, engine: Engine, ttl: float = 5.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._origins: frozenset[str] = frozenset()
        self._read = float("-inf")
        self._lock = threading.Lock()

    def allowed(self, origin: str) -> bool:
        now = time.monotonic()
        if now - self._read >= self._ttl:
            with self._lock:
                self._origins = self._load()
                self._read = now
        return origin.lower() in self._origins

    def _load(self) -> frozenset[str]:
        found: set[str] = set()
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(oauth_client.c.origins, oauth_client.c.redirect_uris).where(oauth_client.c.active)
            ).all()
        for origins, redirects in rows:
            for value in [*_json_list(origins), *_json_list(redirects)]:
                origin = origin_of(value)
                if origin:
                    found.add(origin)
        return frozenset(found)


def _json_list(text: str | None) -> list[str]:
    try:
        value = orjson.loads(text or "[]")
    except orjson.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


class CorsMiddleware:
    """Plain ASGI (no ``BaseHTTPMiddleware`` wrapping): answers preflights, adds headers to allowed origins."""

    def __init__(self, app: ASGIApp, origins: RegisteredOrigins) -> None:
        self.app = app
        self._origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self._origins.allowed(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                refused = fhir_json(single_issue("error", "forbidden", f"origin {origin} is not a registered app"), 403)
                await refused(scope, receive, send)
                return
            await Response(status_code=204, headers=self._headers(origin, preflight=True))(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return
        extra = self._headers(origin, preflight=False)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(extra)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _headers(origin: str, *, preflight: bool) -> dict[str, str]:
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Vary": "Origin",
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        }
        if preflight:
            headers |= {
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
            }
        return headers
