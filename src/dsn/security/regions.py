"""Regions (CISSS/CIUSSS): the unit DSN is rolled out by; users and organizations belong to one.

``live`` says whether the region has gone live (the access policy and the rollout
commands read it); ``organization_id`` is the region's own Organization resource.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update

from dsn.security.storage import reading, writing
from dsn.store.security_schema import region


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    organization_id: str | None
    live: bool


def upsert_region(engine: Engine, code: str, name: str, *, organization_id: str | None, live: bool) -> Region:
    with writing(engine) as conn:
        exists = conn.execute(select(region.c.code).where(region.c.code == code)).first()
        values = {"name": name, "organization_id": organization_id, "live": live}
        if exists:
            conn.execute(update(region).where(region.c.code == code).values(**values))
        else:
            conn.execute(insert(region).values(code=code, **values))
    return Region(code, name, organization_id, live)


def list_regions(engine: Engine) -> list[Region]:
    with reading(engine) as conn:
        rows = conn.execute(select(region).order_by(region.c.code)).all()
    return [Region(r.code, r.name, r.organization_id, bool(r.live)) for r in rows]


def get_region(engine: Engine, code: str) -> Region | None:
    with reading(engine) as conn:
        row = conn.execute(select(region).where(region.c.code == code)).first()
    return Region(row.code, row.name, row.organization_id, bool(row.live)) if row else None


def set_live(engine: Engine, code: str, live: bool) -> None:
    with writing(engine) as conn:
        result = conn.execute(update(region).where(region.c.code == code).values(live=live))
    if not result.rowcount:
        raise ValueError(f"no region '{code}'")
