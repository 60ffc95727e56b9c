"""Fixtures for the identity specs: client key pairs (made once) and a tiny key server the tests run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dsn.security.clients import generate_client_key
from dsn.security.oauth.client_auth import CLIENT_JWKS


@pytest.fixture(scope="session")
def rs384_key() -> tuple[dict[str, Any], dict[str, Any]]:
    return generate_client_key("RS384")


@pytest.fixture(scope="session")
def es384_key() -> tuple[dict[str, Any], dict[str, Any]]:
    return generate_client_key("ES384")


class KeyServer:
    """Serves JSON documents at paths on 127.0.0.1, counting requests (a JWKS host, an IdP)."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                document = server.documents.get(self.path)
                body = json.dumps(document).encode() if document is not None else b"{}"
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    server = KeyServer()
    server.thread.start()
    CLIENT_JWKS.clear()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    CLIENT_JWKS.clear()
