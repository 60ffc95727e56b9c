"""Writing one person's chart the way the pilot would receive it: facility by facility.

A synthetic chart is a list of resources linked by ``urn:uuid:`` fullUrls. In the pilot,
each facility's chart system sends what it recorded, under its own organization and
region, and DSN stamps the records accordingly (``source_org``/``source_region``). So
the chart is split by the facility each resource belongs to — an Encounter's
``serviceProvider``, and for every other resource the facility of its Encounter — and
each part is one transaction Bundle written through the record service (validation,
access policy, indexing, audit: the same pipeline as ``dsn load`` and the REST API) by a
caller of that facility (:func:`dsn.demo.callers.facility_context`).

Parts refer to each other (a prescription renewed in Montréal for a diagnosis made in
Trois-Rivières), so every resource gets its id before anything is written — the UUID of
its fullUrl, which also makes ids reproducible from the seed — references are rewritten
to ``Type/id``, and entries are ``PUT Type/id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from dsn.demo.callers import facility_context
from dsn.service.bundles import process_bundle
from dsn.service.records import RecordService
from dsn.synthetic.facilities import Facility, facility_directory

__all__ = ["ChartEntry", "attribute", "write_chart"]


@dataclass(frozen=True, slots=True)
class ChartEntry:
    """A resource, the fullUrl others use to refer to it, and the facility that recorded it."""

    full_url: str
    resource: dict[str, Any]
    facility: Facility

    @property
    def reference(self) -> str:
        """``Type/id``: the id is the fullUrl's UUID (or the id of a ``Type/id`` fullUrl)."""
        res_id = self.full_url.removeprefix("urn:uuid:").rpartition("/")[2]
        return f"{self.resource['resourceType']}/{res_id}"


@cache
def _facilities_by_reference() -> dict[str, Facility]:
    return {facility.reference: facility for facility in facility_directory()}


def attribute(entries: Sequence[tuple[str, dict[str, Any]]], home: Facility) -> list[ChartEntry]:
    """Give each resource of a synthetic chart the facility that recorded it.

    Encounters are recorded where they took place; resources of an encounter, there too
    (a lab result belongs to the visit that ordered it); the rest (the Patient), at
    ``home``.
    """
    known = _facilities_by_reference()
    encounter_site: dict[str, Facility] = {}
    attributed = []
    for url, resource in entries:
        facility = home
        if resource["resourceType"] == "Encounter":
            provider = resource.get("serviceProvider", {}).get("reference")
            facility = known.get(provider, home)
            encounter_site[url] = facility
        else:
            encounter = resource.get("encounter", {}).get("reference")
            facility = encounter_site.get(encounter, home)
        attributed.append(ChartEntry(url, resource, facility))
    return attributed


def write_chart(service: RecordService, entries: Sequence[ChartEntry]) -> int:
    """Write a chart, one transaction per facility (the first entry's first); resources written."""
    mapping = {entry.full_url: entry.reference for entry in entries}
    parts: dict[str, list[ChartEntry]] = {}
    for entry in entries:
        _rewrite(entry.resource, mapping)
        parts.setdefault(entry.facility.id, []).append(entry)
    for part in parts.values():
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": entry.reference,
                    "resource": {**entry.resource, "id": entry.reference.partition("/")[2]},
                    "request": {"method": "PUT", "url": entry.reference},
                }
                for entry in part
            ],
        }
        process_bundle(service, facility_context(part[0].facility), bundle)
    return len(entries)


def _rewrite(value: Any, mapping: dict[str, str]) -> None:
    """Replace fullUrl references by ``Type/id``, in place."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                value[key] = mapping.get(item, item)
            elif isinstance(item, dict | list):
                _rewrite(item, mapping)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                _rewrite(item, mapping)
