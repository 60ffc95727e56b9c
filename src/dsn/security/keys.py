"""Server key material, created on first start inside the data folder.

* ``signing-es256.pem`` (or ``signing-rs256.pem`` when ``DSN_TOKEN_SIGNING_ALG=RS256``):
  signs access tokens and id_tokens.
* ``audit-ed25519.pem``: signs audit-chain checkpoints.

Keys are written with mode 0600 and never overwritten. ``dsn keys rotate`` moves the
current signing key to ``retired/signing-<alg>.<retired-at>.pem`` and creates a new
one; a retired key stays published in ``/jwks`` until every token it signed has
expired (see :mod:`dsn.security.signing`), then ``dsn keys prune`` (or the next
rotation) deletes it.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

SIGNING_ALGORITHMS: dict[str, tuple[str, Callable[[], object]]] = {
    "ES256": ("signing-es256.pem", lambda: ec.generate_private_key(ec.SECP256R1())),
    "RS256": ("signing-rs256.pem", lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072)),
}
KEY_FILES = {
    "signing-es256.pem": SIGNING_ALGORITHMS["ES256"][1],
    "audit-ed25519.pem": ed25519.Ed25519PrivateKey.generate,
}
RETIRED = "retired"
_RETIRED_NAME = re.compile(r"^signing-(es256|rs256)\.(\d+)\.pem$")


@dataclass(frozen=True, slots=True)
class RetiredKey:
    path: Path
    alg: str
    retired_at: int


def keys_folder(data_dir: Path) -> Path:
    return data_dir / "keys"


def ensure_keys(data_dir: Path) -> dict[str, Path]:
    """Create any missing key under ``data_dir/keys``; return every key's path."""
    folder = keys_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    paths = {}
    for name, generate in KEY_FILES.items():
        path = folder / name
        if not path.exists():
            _write_new(path, generate())
        paths[name] = path
    return paths


def ensure_signing_key(data_dir: Path, alg: str) -> Path:
    """The current signing key for ``alg``, created when missing."""
    name, generate = _algorithm(alg)
    folder = keys_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it first
            _write_new(path, generate())
    return path


def rotate_signing_key(data_dir: Path, alg: str, *, now: int | None = None) -> tuple[Path | None, Path]:
    """Retire the current ``alg`` signing key (kept published) and create a new one."""
    name, generate = _algorithm(alg)
    folder = keys_folder(data_dir)
    retired_folder = folder / RETIRED
    retired_folder.mkdir(parents=True, exist_ok=True)
    os.chmod(retired_folder, 0o700)
    current = folder / name
    moved = None
    if current.exists():
        moment = int(now if now is not None else time.time())
        moved = retired_folder / f"{name.removesuffix('.pem')}.{moment}.pem"
        while moved.exists():
            moment += 1
            moved = retired_folder / f"{name.removesuffix('.pem')}.{moment}.pem"
        os.replace(current, moved)
    _write_new(current, generate())
    return moved, current


def retired_signing_keys(data_dir: Path) -> list[RetiredKey]:
    folder = keys_folder(data_dir) / RETIRED
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        match = _RETIRED_NAME.match(path.name)
        if match:
            found.append(RetiredKey(path, match.group(1).upper(), int(match.group(2))))
    return found


def prune_retired_keys(data_dir: Path, keep_seconds: int, *, now: int | None = None) -> list[Path]:
    """Delete retired keys whose tokens have all expired (retired more than ``keep_seconds`` ago)."""
    moment = int(now if now is not None else time.time())
    removed = []
    for key in retired_signing_keys(data_dir):
        if key.retired_at + keep_seconds <= moment:
            key.path.unlink(missing_ok=True)
            removed.append(key.path)
    return removed


def load_private_key(path: Path) -> object:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _algorithm(alg: str) -> tuple[str, Callable[[], object]]:
    try:
        return SIGNING_ALGORITHMS[alg.upper()]
    except KeyError:
        raise ValueError(f"unsupported token signing algorithm '{alg}' (ES256 or RS256)") from None


def _write_new(path: Path, key: object) -> None:
    pem = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
