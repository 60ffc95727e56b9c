"""Runtime configuration, read from ``DSN_*`` environment variables.

Defaults make DSN start on a laptop with nothing to set up: a SQLite file under
``./var``. Every setting is documented in the README's Configuration section.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of DSN's settings; one instance per process (see :func:`get_settings`)."""

    model_config = SettingsConfigDict(env_prefix="DSN_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Folder for the SQLite file and keys.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; postgresql://... or sqlite:///...; default: SQLite in data_dir.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8080/fhir",
        description="Public base URL of the FHIR endpoint, used in Location headers and links.",
    )
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = Field(default=20 * 1024 * 1024, description="Largest accepted request body.")
    default_page_size: int = 50
    max_page_size: int = 1000
    pool_size: int = 10
    role_matrix_file: str | None = Field(
        default=None, description="JSON file overriding cells of the shipped role matrix."
    )
    mpi_certain_duplicate: str = Field(
        default="refuse",
        description="A new Patient that certainly matches an existing one: refuse (409), link, or allow.",
        pattern="^(refuse|link|allow)$",
    )
    nam_mismatch: str = Field(
        default="warning",
        description="NAM inconsistent with the Patient's demographics: warning, error (422) or off.",
        pattern="^(warning|error|off)$",
    )
    break_glass_hours: float = Field(default=4.0, description="How long an emergency-access grant lasts.")
    log_level: str = "INFO"
    log_json: bool = True

    # -- identity and access (docs/security-auth.md) ------------------------------------
    issuer: str | None = Field(
        default=None,
        description="OAuth/OIDC issuer URL; default: base_url without its /fhir suffix.",
    )
    token_signing_alg: str = Field(default="ES256", description="Access/id token signature: ES256 or RS256.")
    access_token_lifetime: int = Field(default=300, description="Seconds an access token (and id_token) lives.")
    refresh_token_lifetime: int = Field(default=8 * 3600, description="Seconds a refresh-token family lives.")
    auth_code_lifetime: int = Field(default=60, description="Seconds an authorization code may wait to be redeemed.")
    launch_lifetime: int = Field(default=600, description="Seconds an EHR launch context stays usable.")
    client_jwks_cache_seconds: int = Field(default=300, description="How long fetched client/issuer JWKS are reused.")
    login_max_failures: int = Field(default=5, description="Failed logins in a row before a temporary lockout.")
    login_lockout_seconds: int = Field(default=900, description="Length of the temporary lockout.")
    login_delay_base: float = Field(default=0.25, description="First delay after a failed login; doubles each time.")
    login_delay_max: float = Field(default=8.0, description="Longest delay after a failed login.")
    require_totp_for_privileged: bool = Field(
        default=True, description="privacy_officer and admin must have TOTP enrolled to log in."
    )
    external_issuers: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Trusted external OIDC issuers (JSON list), see docs/security-auth.md.",
    )
    tls_certfile: Path | None = Field(default=None, description="PEM certificate: dsn serve speaks HTTPS when set.")
    tls_keyfile: Path | None = Field(default=None, description="PEM private key for tls_certfile.")

    def issuer_url(self) -> str:
        """The authorization server's issuer: explicit, or the FHIR base without ``/fhir``."""
        if self.issuer:
            return self.issuer.rstrip("/")
        base = self.base_url.rstrip("/")
        return base[: -len("/fhir")] if base.endswith("/fhir") else base

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside ``data_dir``."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'dsn.sqlite3').resolve()}"


def normalize_database_url(url: str) -> str:
    """Map plain ``postgresql://`` URLs onto the psycopg 3 driver SQLAlchemy needs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
