"""OAuth 2.0 error responses (RFC 6749 §5.2), raised by the grant handlers and rendered by the API."""

from __future__ import annotations


class OAuthError(Exception):
    """An error the client is told about as ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_client(description: str, *, basic: bool = False) -> OAuthError:
    headers = {"WWW-Authenticate": 'Basic realm="dsn"'} if basic else {}
    return OAuthError("invalid_client", description, 401, headers)


def invalid_scope(description: str) -> OAuthError:
    return OAuthError("invalid_scope", description)
