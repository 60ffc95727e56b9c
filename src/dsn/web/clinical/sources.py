"""Where each record came from: the organization and region that wrote it.

DSN stamps every resource with its writer's organization and region
(``source_org``/``source_region``). Showing them is the point of a provincial record: a
clinician in Trois-Rivières must see that an allergy was recorded at a Montreal
hospital. Names come from the directory (Organization resources and the region table),
which holds no patient data, so they are looked up in one query each without an audit
entry of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from dsn.service.records import RecordService
from dsn.store.schema import resource as resource_table
from dsn.store.security_schema import region
from dsn.store.session import load_current


@dataclass(frozen=True, slots=True)
class Source:
    organization: str | None
    region: str | None

    @property
    def label(self) -> str:
        return " — ".join(part for part in (self.organization, self.region) if part)


class SourceNames:
    """Organization and region names for the sources of a set of records."""

    def __init__(self, organizations: dict[str, str], regions: dict[str, str]) -> None:
        self.organizations = organizations
        self.regions = regions

    def of(self, source_org: str | None, source_region: str | None) -> Source:
        organization = self.organizations.get(source_org, source_org) if source_org else None
        region_name = self.regions.get(source_region, source_region) if source_region else None
        if organization and region_name and organization == region_name:
            region_name = None
        return Source(organization, region_name)


def source_names(service: RecordService, pairs: Iterable[tuple[str | None, str | None]]) -> SourceNames:
    org_ids = sorted({org for org, _ in pairs if org})
    with service.store.read() as session:
        regions = {row.code: row.name for row in session.conn.execute(select(region.c.code, region.c.name))}
        organizations: dict[str, str] = {}
        if org_ids:
            pks = [
                row.pk
                for row in session.conn.execute(
                    select(resource_table.c.pk).where(
                        resource_table.c.res_type == "Organization", resource_table.c.res_id.in_(org_ids)
                    )
                )
            ]
            for stored in load_current(session.conn, pks):
                body = stored.resource or {}
                if isinstance(body.get("name"), str):
                    organizations[stored.res_id] = body["name"]
    return SourceNames(organizations, regions)
