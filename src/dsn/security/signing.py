"""The server's token-signing key ring: sign with the current key, verify with any published one.

Published keys are the current signing key plus retired keys still inside their
grace period (``access_token_lifetime`` + one minute after retirement): a token signed
just before a rotation stays verifiable until it expires, and ``/jwks`` lets resource
servers and clients follow along. Every key is named by its RFC 7638 thumbprint
(``kid``). The ring re-reads the key folder when its files change, so a rotation made
by ``dsn keys rotate`` in another process is picked up without a restart.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, Key, RSAKey

from dsn.config import Settings
from dsn.security.keys import RETIRED, ensure_signing_key, keys_folder, retired_signing_keys

GRACE_SECONDS = 60
_KEY_CLASSES: dict[str, type[ECKey] | type[RSAKey]] = {"ES256": ECKey, "RS256": RSAKey}


@dataclass(frozen=True, slots=True)
class PublishedKey:
    key: Key
    alg: str
    retired_at: int | None  # None for the current key


class KeyRing:
    """The current signing key and every key whose tokens may still be alive."""

    def __init__(self, current: Key, alg: str, published: list[PublishedKey]) -> None:
        self.current = current
        self.alg = alg
        self.published = published

    @property
    def kid(self) -> str:
        return str(self.current.kid)

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT") -> str:
        header = {"alg": self.alg, "kid": self.kid, "typ": typ}
        return jwt.encode(header, claims, self.current, algorithms=[self.alg])

    def verification_key(self, kid: str | None) -> tuple[Key, str] | None:
        for entry in self.published:
            if entry.key.kid == kid:
                return entry.key, entry.alg
        return None

    def jwks(self) -> dict[str, Any]:
        keys = []
        for entry in self.published:
            public = entry.key.as_dict(private=False)
            keys.append({**public, "alg": entry.alg, "use": "sig"})
        return {"keys": keys}


def load_key_ring(data_dir: Path, alg: str, keep_seconds: int, *, now: int | None = None) -> KeyRing:
    moment = int(now if now is not None else time.time())
    alg = alg.upper()
    current = _import(ensure_signing_key(data_dir, alg), alg)
    published = [PublishedKey(current, alg, None)]
    for other_alg in _KEY_CLASSES:
        path = keys_folder(data_dir) / f"signing-{other_alg.lower()}.pem"
        if other_alg != alg and path.exists():
            # The algorithm was switched: tokens signed with the other key may still be
            # alive. It stays published until an operator retires it (dsn keys rotate).
            published.append(PublishedKey(_import(path, other_alg), other_alg, None))
    for retired in retired_signing_keys(data_dir):
        if retired.retired_at + keep_seconds > moment:
            published.append(PublishedKey(_import(retired.path, retired.alg), retired.alg, retired.retired_at))
    return KeyRing(current, alg, published)


def _import(path: Path, alg: str) -> Key:
    key = _KEY_CLASSES[alg].import_key(path.read_bytes())
    key.ensure_kid()
    return key


_cache: dict[tuple[str, str, int], tuple[tuple[Any, ...], float, KeyRing]] = {}
_lock = threading.Lock()
_RECHECK_SECONDS = 1.0


def key_ring(settings: Settings) -> KeyRing:
    """The ring for ``settings`` (cached; re-read when the key files change)."""
    keep = settings.access_token_lifetime + GRACE_SECONDS
    cache_key = (str(settings.data_dir.resolve()), settings.token_signing_alg.upper(), keep)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(cache_key)
        if cached and now - cached[1] < _RECHECK_SECONDS:
            return cached[2]
        signature = _folder_signature(settings.data_dir)
        if cached and cached[0] == signature and _still_valid(cached[2], keep):
            _cache[cache_key] = (signature, now, cached[2])
            return cached[2]
        ring = load_key_ring(settings.data_dir, settings.token_signing_alg, keep)
        _cache[cache_key] = (_folder_signature(settings.data_dir), now, ring)
        return ring


def forget_key_rings() -> None:
    """Drop cached rings so the next use re-reads the key folder (after an in-process rotation)."""
    with _lock:
        _cache.clear()


def _still_valid(ring: KeyRing, keep: int) -> bool:
    moment = time.time()
    return all(entry.retired_at is None or entry.retired_at + keep > moment for entry in ring.published)


def _folder_signature(data_dir: Path) -> tuple[Any, ...]:
    entries = []
    for folder in (keys_folder(data_dir), keys_folder(data_dir) / RETIRED):
        try:
            with os.scandir(folder) as scan:
                entries.extend((entry.path, entry.stat().st_mtime_ns) for entry in scan if entry.is_file())
        except FileNotFoundError:
            continue
    return tuple(sorted(entries))
