"""The demo's regions: one per CISSS/CIUSSS, the two pilot CIUSSSs live.

A region code must name one CISSS/CIUSSS (it is the unit a rollout switches on), but the
health-region (RSS) code does not: five CIUSSSs share Montréal's ``06``, two CISSSs
``11`` and three ``16``. Where the RSS code is unique it is the region code (``04`` for
Mauricie-et-Centre-du-Québec, as in the README and docs/authentication.md); where it is
shared, a short suffix names the establishment (``06-nord`` for Nord-de-l'Île-de-Montréal).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Final

from sqlalchemy import Engine

from dsn.security.regions import Region, upsert_region
from dsn.synthetic.facilities import Facility, authority, regional_authorities

__all__ = [
    "MAURICIE",
    "MAURICIE_REGION",
    "NORD",
    "NORD_REGION",
    "region_code",
    "seed_regions",
]

MAURICIE: Final = authority("ciusss-mauricie-et-du-centre-du-quebec")
NORD: Final = authority("ciusss-nord-de-l-ile-de-montreal")

# Suffixes for the CISSS/CIUSSS whose RSS code is shared (kept short: region codes are
# at most 16 characters, and people type them in `dsn users add --region`).
_SUFFIXES: Final = {
    "ciusss-ouest-de-l-ile-de-montreal": "ouest",
    "ciusss-centre-ouest-de-l-ile-de-montreal": "centre-ouest",
    "ciusss-centre-sud-de-l-ile-de-montreal": "centre-sud",
    "ciusss-nord-de-l-ile-de-montreal": "nord",
    "ciusss-est-de-l-ile-de-montreal": "est",
    "cisss-gaspesie": "gaspesie",
    "cisss-iles": "iles",
    "cisss-monteregie-centre": "centre",
    "cisss-monteregie-est": "est",
    "cisss-monteregie-ouest": "ouest",
}


@cache
def _shared_rss_codes() -> frozenset[str]:
    counts = Counter(a.rss_code for a in regional_authorities())
    return frozenset(code for code, count in counts.items() if count > 1)


def region_code(facility: Facility) -> str:
    """The region code of a CISSS/CIUSSS or of one of its sites."""
    home = authority(facility.authority_id)
    if home.rss_code not in _shared_rss_codes():
        return home.rss_code
    return f"{home.rss_code}-{_SUFFIXES[home.id]}"


MAURICIE_REGION: Final = region_code(MAURICIE)
NORD_REGION: Final = region_code(NORD)


def seed_regions(engine: Engine) -> list[Region]:
    """Upsert the 22 regions: the pilot two live, the twenty others not (yet)."""
    return [
        upsert_region(engine, region_code(a), a.name, organization_id=a.id, live=a.pilot)
        for a in regional_authorities()
    ]
