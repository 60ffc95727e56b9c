"""Messages of the privacy pages (French first, then English; the same keys in both)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {},
    "en": {},
}
