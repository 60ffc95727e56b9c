"""Fixtures of the audit tests: an AuditLog with its own signing key, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine

from dsn.audit import AuditLog
from dsn.audit.checkpoint import key_id


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keys(signing_key: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    public = signing_key.public_key()
    return {key_id(public): public}


@pytest.fixture
def audit(engine: Engine, signing_key: Ed25519PrivateKey) -> Iterator[AuditLog]:
    """Checkpoints every 5 records, so tamper tests have several to check."""
    log = AuditLog(engine, signing_key=signing_key, checkpoint_every=5, checkpoint_seconds=3600)
    yield log
    log.close()
