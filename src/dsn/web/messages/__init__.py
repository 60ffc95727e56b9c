"""Message catalogs of the web application, one module per area, merged per language.

Each module defines ``MESSAGES = {"fr": {...}, "en": {...}}``. Keys are unique across
modules (a test checks it), so an area can be edited without reading the others.
"""

from __future__ import annotations

from functools import cache

from dsn.web.messages import chart, clinical, common, portal, privacy

AREAS = {
    "common": common.MESSAGES,
    "clinical": clinical.MESSAGES,
    "chart": chart.MESSAGES,
    "portal": portal.MESSAGES,
    "privacy": privacy.MESSAGES,
}


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for messages in AREAS.values():
        merged.update(messages[language])
    return merged
