"""Storage-level failures. The service layer maps them onto FHIR/HTTP outcomes."""

from __future__ import annotations


class StoreError(Exception):
    """Base class for expected storage outcomes that are not bugs."""


class VersionConflict(StoreError):
    """The resource changed since the version the caller based its write on."""

    def __init__(self, expected: int | None, actual: int | None) -> None:
        super().__init__(f"expected version {expected}, found {actual}")
        self.expected = expected
        self.actual = actual


class DuplicateResource(StoreError):
    """A resource with this type and id was created concurrently."""
