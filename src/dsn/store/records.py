"""Value objects the store hands back: a stored resource version and a history page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(slots=True)
class StoredResource:
    """One version of a resource as stored.

    ``body`` is the serialized JSON exactly as persisted (meta included) so that reads
    can be served without parsing and re-serializing; ``resource`` parses on demand.
    """

    pk: int | None  # None until a deferred create is flushed
    res_type: str
    res_id: str
    version: int
    last_updated: int
    deleted: bool
    body: str | None
    patient_key: str | None = None
    method: str | None = None
    _parsed: dict[str, Any] | None = field(default=None, repr=False)
    labels: str | None = None
    source_org: str | None = None
    source_region: str | None = None

    @property
    def resource(self) -> dict[str, Any] | None:
        if self.body is None:
            return None
        if self._parsed is None:
            self._parsed = orjson.loads(self.body)
        return self._parsed

    @property
    def reference(self) -> str:
        return f"{self.res_type}/{self.res_id}"


@dataclass(slots=True)
class HistoryPage:
    """A page of versions, newest first, and the cursor for the next (older) page."""

    entries: list[StoredResource]
    next_cursor: tuple[int, int] | None
    total: int | None = None
