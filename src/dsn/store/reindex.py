"""Rebuild search indexes: for everything, or one resource type; resumable.

Progress is committed with each batch in ``reindex_job``, so an interrupted run
(crash, Ctrl-C, deploy) continues after the last finished batch instead of starting
over. Each batch is its own transaction: searches keep working during a reindex and
see either the old or the new rows of a resource, never a mix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson
from sqlalchemy import Engine, false, func, select

from dsn.fhir.search_parameters import SearchParameterRegistry
from dsn.store.custom_parameters import mark_live, stored_parameters
from dsn.store.indexing import IndexWriter
from dsn.store.schema import reindex_job, resource

Progress = Callable[[int], None]


@dataclass(slots=True)
class ReindexReport:
    job: str
    resources: int
    resumed_from: int
    custom_parameters: list[str]


def job_name(res_type: str | None) -> str:
    return f"reindex:{res_type or '*'}"


def reindex(
    engine: Engine,
    *,
    res_type: str | None = None,
    batch_size: int = 500,
    restart: bool = False,
    progress: Progress | None = None,
    total_callback: Callable[[int], None] | None = None,
) -> ReindexReport:
    """Re-extract index rows of every current resource (of ``res_type``, if given)."""
    name = job_name(res_type)
    with engine.begin() as conn:
        custom = stored_parameters(conn)
        registry = (
            SearchParameterRegistry.default().with_custom(custom) if custom else SearchParameterRegistry.default()
        )
        row = conn.execute(select(reindex_job).where(reindex_job.c.name == name)).first()
        start = 0 if restart or row is None or row.done else row.last_pk
        if row is None:
            conn.execute(reindex_job.insert().values(name=name, last_pk=0, done=False))
        else:
            conn.execute(reindex_job.update().where(reindex_job.c.name == name).values(last_pk=start, done=False))
        conditions = [resource.c.deleted == false(), resource.c.pk > start]
        if res_type is not None:
            conditions.append(resource.c.res_type == res_type)
        if total_callback is not None:
            total_callback(conn.execute(select(func.count()).select_from(resource).where(*conditions)).scalar_one())
    done = 0
    last = start
    while True:
        with engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                conditions = [resource.c.deleted == false(), resource.c.pk > last]
                if res_type is not None:
                    conditions.append(resource.c.res_type == res_type)
                rows = conn.execute(
                    select(resource.c.pk, resource.c.res_type, resource.c.patient_key, resource.c.body)
                    .where(*conditions)
                    .order_by(resource.c.pk)
                    .limit(batch_size)
                ).all()
                if not rows:
                    break
                writer = IndexWriter(conn, registry)
                for item in rows:
                    writer.add(item.pk, item.res_type, item.patient_key, orjson.loads(item.body), replace=True)
                writer.flush()
                last = rows[-1].pk
                conn.execute(reindex_job.update().where(reindex_job.c.name == name).values(last_pk=last))
        done += len(rows)
        if progress is not None:
            progress(len(rows))
    covered = [param["url"] for param in custom if res_type is None or res_type in param.get("base", [])]
    with engine.begin() as conn:
        conn.execute(reindex_job.update().where(reindex_job.c.name == name).values(done=True))
        mark_live(conn, covered)
    return ReindexReport(job=name, resources=done, resumed_from=start, custom_parameters=covered)
