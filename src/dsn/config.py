"""Runtime configuration, read from ``DSN_*`` environment variables.

Defaults make DSN start on a laptop with nothing to set up: a SQLite file under
``./var``. Every setting is documented in the README's Configuration section.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    log_level: str = "INFO"
    log_json: bool = True

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
