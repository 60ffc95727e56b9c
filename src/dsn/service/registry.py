"""The search-parameter registry in force, refreshed when a reindex makes new ones live."""

from __future__ import annotations

import threading
import time

from dsn.fhir.search_parameters import SearchParameterRegistry
from dsn.store.custom_parameters import live_registry, registry_generation
from dsn.store.session import Store


class RegistryProvider:
    """Serves the current registry, re-reading the live custom parameters when they change.

    The check is one small indexed query, made at most every ``ttl`` seconds, so a
    parameter made live by ``dsn reindex`` (possibly in another process) becomes
    searchable within a second without costing every request a lookup.
    """

    def __init__(self, store: Store, ttl: float = 1.0) -> None:
        self._store = store
        self._ttl = ttl
        self._lock = threading.Lock()
        self._registry = SearchParameterRegistry.default()
        self._generation = 0
        self._checked = float("-inf")

    def current(self) -> SearchParameterRegistry:
        now = time.monotonic()
        if now - self._checked < self._ttl:
            return self._registry
        with self._lock:
            if now - self._checked >= self._ttl:
                with self._store.engine.connect() as conn:
                    generation = registry_generation(conn)
                    if generation != self._generation:
                        self._registry = live_registry(conn)
                        self._generation = generation
                self._checked = now
        return self._registry

    def refresh(self) -> SearchParameterRegistry:
        """Check now (after a reindex in this process)."""
        self._checked = float("-inf")
        return self.current()
