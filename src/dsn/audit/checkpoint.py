"""Signed checkpoints of the audit chain.

The hash chain alone shows that rows were changed *unless* whoever changed them also
recomputed every later hash (someone with write access to the table can). A
checkpoint fixes the chain at one point with a signature that needs the server's
Ed25519 key (``audit-ed25519.pem`` in the data folder, outside the database): rewriting
history before a checkpoint, or cutting the tail after it, then no longer verifies.

A checkpoint signs ``(seq, hash, created, prev_seq)``; ``prev_seq`` links each checkpoint
to the one before, so deleting a checkpoint row is visible too. ``key_id`` names the
key (a digest of the public key) so that verification can tell "signed by a key we do
not know" from "bad signature".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection

from dsn.security.keys import keys_folder
from dsn.store.audit_schema import audit_checkpoint

DOMAIN: Final = b"dsn-audit-checkpoint/1\n"
KEY_FILE: Final = "audit-ed25519.pem"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    created: int
    prev_seq: int
    key_id: str
    signature: str

    def message(self) -> bytes:
        return signed_message(self.seq, self.hash, self.created, self.prev_seq)


def signed_message(seq: int, chain_hash: str, created: int, prev_seq: int) -> bytes:
    return DOMAIN + orjson.dumps([seq, chain_hash, created, prev_seq])


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


class Signer:
    """Signs checkpoints with the server's audit key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.key_id = key_id(private_key.public_key())

    def sign(self, seq: int, chain_hash: str, created: int, prev_seq: int) -> Checkpoint:
        signature = self._key.sign(signed_message(seq, chain_hash, created, prev_seq)).hex()
        return Checkpoint(seq, chain_hash, created, prev_seq, self.key_id, signature)


def signature_status(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> str:
    """``valid``, ``invalid`` (tampered or forged) or ``unknown-key``."""
    public_key = keys.get(checkpoint.key_id)
    if public_key is None:
        return "unknown-key"
    try:
        public_key.verify(bytes.fromhex(checkpoint.signature), checkpoint.message())
    except (InvalidSignature, ValueError):
        return "invalid"
    return "valid"


def write_checkpoint(conn: Connection, checkpoint: Checkpoint) -> None:
    conn.execute(
        audit_checkpoint.insert().values(
            seq=checkpoint.seq,
            hash=checkpoint.hash,
            created=checkpoint.created,
            prev_seq=checkpoint.prev_seq,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        )
    )


def checkpoint_from_row(row: Any) -> Checkpoint:
    return Checkpoint(row.seq, row.hash, row.created, row.prev_seq, row.key_id, row.signature)


def audit_key_path(data_dir: Path) -> Path:
    return keys_folder(data_dir) / KEY_FILE


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_verify_keys(paths: Iterable[Path]) -> dict[str, Ed25519PublicKey]:
    """Public keys by key id, from PEM files holding an Ed25519 private or public key.

    Verification needs only the public key: an auditor can check the log with a copy of
    ``audit-ed25519.pub.pem`` and no ability to sign.
    """
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        data = path.read_bytes()
        public: Any
        if b"PRIVATE KEY" in data:
            public = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            public = serialization.load_pem_public_key(data)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        keys[key_id(public)] = public
    return keys
