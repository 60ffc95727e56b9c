"""What service interactions return to the ways in (HTTP, CLI, web)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsn.fhir.outcome import OutcomeIssue
from dsn.store.records import HistoryPage, StoredResource
from dsn.store.search.executor import SearchResult
from dsn.store.search.query import SearchQuery


@dataclass(slots=True)
class WriteResult:
    """A create/update/patch/delete: the version now stored and the HTTP status it implies."""

    stored: StoredResource
    status: int
    created: bool = False
    issues: list[OutcomeIssue] = field(default_factory=list)


@dataclass(slots=True)
class SearchOutcome:
    query: SearchQuery
    result: SearchResult


@dataclass(slots=True)
class HistoryOutcome:
    page: HistoryPage
