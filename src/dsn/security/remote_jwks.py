"""Public keys published at a URL (a backend client's ``jwks_uri``, an external issuer's JWKS).

Fetched with httpx and kept ``client_jwks_cache_seconds``; a ``kid`` that is not in the
cached set triggers one refetch (the owner may have just rotated), at most once every
few seconds per URL so that tokens with made-up ``kid`` values cannot make DSN hammer
the key server.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

REFETCH_INTERVAL = 10.0
TIMEOUT = 5.0


class JwksUnavailable(Exception):
    """The key set could not be fetched or is not a JWKS."""


class JwksCache:
    def __init__(self, ttl: float = 300.0, *, clock: Any = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._sets: dict[str, tuple[float, KeySet]] = {}
        self._lock = threading.Lock()

    def key(self, url: str, kid: str | None) -> Key | None:
        """The key ``kid`` published at ``url`` (the only key when ``kid`` is None and there is one)."""
        keys = self._get(url, force=False)
        found = _pick(keys, kid)
        if found is None and self._may_refetch(url):
            found = _pick(self._get(url, force=True), kid)
        return found

    def clear(self) -> None:
        with self._lock:
            self._sets.clear()

    def _may_refetch(self, url: str) -> bool:
        with self._lock:
            fetched = self._sets.get(url)
        return fetched is None or self._clock() - fetched[0] >= REFETCH_INTERVAL

    def _get(self, url: str, *, force: bool) -> KeySet:
        now = self._clock()
        with self._lock:
            cached = self._sets.get(url)
        if cached and not force and now - cached[0] < self.ttl:
            return cached[1]
        keys = fetch_jwks(url)
        with self._lock:
            self._sets[url] = (now, keys)
        return keys


def fetch_jwks(url: str) -> KeySet:
    try:
        response = httpx.get(url, timeout=TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        return key_set(response.json())
    except (httpx.HTTPError, ValueError) as exc:
        raise JwksUnavailable(f"could not fetch a JWKS from {url}: {exc}") from exc


def key_set(document: Any) -> KeySet:
    """The public keys of a JWKS document (private members, if a careless owner published them, are dropped)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("not a JWKS document ({'keys': [...]})")
    public = [
        {k: v for k, v in entry.items() if k not in {"d", "p", "q", "dp", "dq", "qi"}} for entry in document["keys"]
    ]
    try:
        return KeySet.import_key_set({"keys": public})
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise JwksUnavailable(f"unusable JWKS: {exc}") from exc


def _pick(keys: KeySet, kid: str | None) -> Key | None:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    for key in keys.keys:
        if key.kid == kid:
            return key
    return None
