"""Custom SearchParameters: which ones are live, and the registry that includes them.

A SearchParameter resource posted to the server is only a definition until every
resource it applies to has been indexed for it; searching before that would silently
miss data. ``dsn reindex`` indexes with the stored definitions and then records each
covered parameter as live (a ``reindex_job`` row named ``searchparam:<url>``). The
registry in use is the built-in one plus the live custom parameters.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, false, select

from dsn.fhir.search_parameters import InvalidSearchParameter, SearchParameterRegistry
from dsn.store.schema import reindex_job, resource

LIVE_PREFIX = "searchparam:"


def stored_parameters(conn: Connection) -> list[dict[str, Any]]:
    """Every stored SearchParameter that can be searched (active or draft, and compiling)."""
    bodies = conn.execute(
        select(resource.c.body).where(resource.c.res_type == "SearchParameter", resource.c.deleted == false())
    ).scalars()
    found = [orjson.loads(body) for body in bodies if body]
    return [param for param in found if param.get("status") in ("active", "draft") and _usable(param)]


def _usable(param: dict[str, Any]) -> bool:
    try:
        SearchParameterRegistry.default().with_custom([param])
    except InvalidSearchParameter:
        return False
    return True


def live_urls(conn: Connection) -> set[str]:
    names = conn.execute(
        select(reindex_job.c.name).where(reindex_job.c.name.like(f"{LIVE_PREFIX}%"), reindex_job.c.done)
    ).scalars()
    return {name[len(LIVE_PREFIX) :] for name in names}


def live_registry(conn: Connection) -> SearchParameterRegistry:
    """The built-in registry plus the custom parameters that a reindex made live."""
    base = SearchParameterRegistry.default()
    live = live_urls(conn)
    if not live:
        return base
    params = [param for param in stored_parameters(conn) if param.get("url") in live]
    return base.with_custom(params) if params else base


def mark_live(conn: Connection, urls: list[str]) -> None:
    for url in urls:
        name = f"{LIVE_PREFIX}{url}"
        existing = conn.execute(select(reindex_job.c.name).where(reindex_job.c.name == name)).first()
        if existing:
            conn.execute(reindex_job.update().where(reindex_job.c.name == name).values(done=True))
        else:
            conn.execute(reindex_job.insert().values(name=name, last_pk=0, done=True))


def registry_generation(conn: Connection) -> int:
    """A number that changes whenever the set of live custom parameters changes."""
    return len(live_urls(conn))
