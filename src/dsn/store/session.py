"""A unit of work on the record store: one database transaction.

Everything a FHIR interaction writes (the version row, the current row, the index rows,
later the audit record) goes through one :class:`StoreSession`, so it commits or rolls
back as a whole. The store knows FHIR resources but nothing of HTTP or users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import ARRAY, BigInteger, Connection, Engine, and_, any_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dsn.fhir.patient_compartment import patient_ids
from dsn.fhir.search_parameters import SearchParameterRegistry
from dsn.fhir.security_labels import labels_of
from dsn.store.bulk import insert_returning_keys, insert_rows
from dsn.store.clock import now_us, to_instant
from dsn.store.errors import DuplicateResource, VersionConflict
from dsn.store.indexing import IndexWriter
from dsn.store.records import HistoryPage, StoredResource
from dsn.store.schema import resource, resource_version

_CURRENT_COLUMNS = (
    resource.c.labels,
    resource.c.source_org,
    resource.c.source_region,
    resource.c.pk,
    resource.c.res_type,
    resource.c.res_id,
    resource.c.version,
    resource.c.last_updated,
    resource.c.deleted,
    resource.c.body,
    resource.c.patient_key,
)
_VERSION_COLUMNS = (
    resource_version.c.labels,
    resource_version.c.resource_pk,
    resource_version.c.res_type,
    resource_version.c.res_id,
    resource_version.c.version,
    resource_version.c.last_updated,
    resource_version.c.deleted,
    resource_version.c.body,
    resource_version.c.patient_key,
    resource_version.c.method,
    resource_version.c.pk,
)


def _current(row: Any) -> StoredResource:
    return StoredResource(
        pk=row.pk,
        res_type=row.res_type,
        res_id=row.res_id,
        version=row.version,
        last_updated=row.last_updated,
        deleted=bool(row.deleted),
        body=row.body,
        patient_key=row.patient_key,
        labels=row.labels,
        source_org=row.source_org,
        source_region=row.source_region,
    )


def _version(row: Any) -> StoredResource:
    return StoredResource(
        pk=row.resource_pk,
        res_type=row.res_type,
        res_id=row.res_id,
        version=row.version,
        last_updated=row.last_updated,
        deleted=bool(row.deleted),
        body=row.body,
        patient_key=row.patient_key,
        method=row.method,
        labels=row.labels,
    )


def load_current(conn: Connection, pks: Sequence[int]) -> list[StoredResource]:
    """Current rows for a list of keys, in the order given (missing keys are skipped).

    On PostgreSQL the keys travel as one array parameter (``= ANY(:pks)``): an ``IN``
    list of a thousand parameters makes a statement psycopg re-parses on every call.
    """
    if not pks:
        return []
    keys = list(pks)
    if conn.dialect.name == "postgresql":
        condition = resource.c.pk == any_(bindparam("pks", keys, type_=ARRAY(BigInteger)))
    else:
        condition = resource.c.pk.in_(keys)
    by_pk = {row.pk: _current(row) for row in conn.execute(select(*_CURRENT_COLUMNS).where(condition))}
    return [by_pk[pk] for pk in keys if pk in by_pk]


def patient_key_of(body: dict[str, Any]) -> str | None:
    """The patient whose compartment holds this resource (first one, for shared resources)."""
    ids = patient_ids(body)
    return ids[0] if ids else None


def stamp_meta(body: dict[str, Any], res_id: str, version: int, last_updated: int) -> dict[str, Any]:
    """The body as stored: ``resourceType``, ``id`` and ``meta`` first, server-set values in ``meta``.

    ``meta.versionId`` and ``meta.lastUpdated`` are the server's; the rest of ``meta``
    (tags, security labels, profiles, source) is the client's and kept.
    """
    meta = dict(body.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = to_instant(last_updated)
    stamped = {"resourceType": body.get("resourceType"), "id": res_id, "meta": meta}
    stamped.update((key, value) for key, value in body.items() if key not in stamped)
    return stamped


def _first_version(
    res_type: str,
    res_id: str,
    body: dict[str, Any],
    method: str,
    source: tuple[str | None, str | None],
) -> StoredResource:
    """Version 1 of a new resource, stamped and serialized as it will be stored (no key yet)."""
    now = now_us()
    body = stamp_meta(body, res_id, 1, now)
    return StoredResource(
        None,
        res_type,
        res_id,
        1,
        now,
        False,
        orjson.dumps(body).decode(),
        patient_key_of(body),
        method,
        body,
        labels=labels_of(body),
        source_org=source[0],
        source_region=source[1],
    )


class StoreSession:
    """Reads and writes inside one transaction on ``conn``."""

    def __init__(self, conn: Connection, registry: SearchParameterRegistry | None = None) -> None:
        self.conn = conn
        self.registry = registry
        self._indexes = IndexWriter(conn, registry)
        self._pending: list[StoredResource] = []
        self._versions: list[StoredResource] = []
        # Records of this transaction's work, appended to the audit log by the service
        # as the last step before commit (the store does not interpret them).
        self.audit_records: list[Any] = []

    # -- reads -------------------------------------------------------------------------

    def current(
        self, res_type: str, res_id: str, visibility: Callable[[Any], Any] | None = None
    ) -> StoredResource | None:
        """The current version (possibly a deletion tombstone), or None if never stored.

        With ``visibility`` (the caller's row condition), a row the caller may not see
        is None too: callers cannot tell "hidden" from "absent".
        """
        self.flush()
        conditions = [resource.c.res_type == res_type, resource.c.res_id == res_id]
        if visibility is not None:
            conditions.append(visibility(resource))
        row = self.conn.execute(select(*_CURRENT_COLUMNS).where(*conditions)).first()
        return _current(row) if row else None

    def current_by_pks(self, pks: Sequence[int]) -> list[StoredResource]:
        """Current versions for a list of keys, in the order given."""
        self.flush()
        return load_current(self.conn, pks)

    def version(self, res_type: str, res_id: str, version: int) -> StoredResource | None:
        self.flush()
        row = self.conn.execute(
            select(*_VERSION_COLUMNS).where(
                resource_version.c.res_type == res_type,
                resource_version.c.res_id == res_id,
                resource_version.c.version == version,
            )
        ).first()
        return _version(row) if row else None

    def history(
        self,
        *,
        res_type: str | None = None,
        res_id: str | None = None,
        since: int | None = None,
        at_or_before: int | None = None,
        cursor: tuple[int, int] | None = None,
        count: int = 50,
        with_total: bool = False,
        visibility: Callable[[Any], Any] | None = None,
    ) -> HistoryPage:
        """Versions newest first; ``cursor`` (last_updated, pk) continues after a page.

        Paging by cursor rather than offset keeps pages stable while new versions are
        written: they are newer than every cursor, so they never shift older pages.
        """
        self.flush()
        conditions = []
        if res_type is not None:
            conditions.append(resource_version.c.res_type == res_type)
        if res_id is not None:
            conditions.append(resource_version.c.res_id == res_id)
        if since is not None:
            conditions.append(resource_version.c.last_updated >= since)
        if at_or_before is not None:
            conditions.append(resource_version.c.last_updated <= at_or_before)
        if visibility is not None:
            conditions.append(visibility(resource_version))
        page_conditions = list(conditions)
        if cursor is not None:
            last_updated, pk = cursor
            page_conditions.append(
                or_(
                    resource_version.c.last_updated < last_updated,
                    and_(
                        resource_version.c.last_updated == last_updated,
                        resource_version.c.pk < pk,
                    ),
                )
            )
        query = (
            select(*_VERSION_COLUMNS)
            .where(*page_conditions)
            .order_by(resource_version.c.last_updated.desc(), resource_version.c.pk.desc())
            .limit(count + 1)
        )
        rows = self.conn.execute(query).all()
        entries = [_version(row) for row in rows[:count]]
        next_cursor = None
        if len(rows) > count and rows[:count]:
            last = rows[count - 1]
            next_cursor = (last.last_updated, last.pk)
        total = None
        if with_total:
            total = self.conn.execute(
                select(func.count()).select_from(resource_version).where(*conditions)
            ).scalar_one()
        return HistoryPage(entries=entries, next_cursor=next_cursor, total=total)

    # -- writes ------------------------------------------------------------------------

    def create(
        self,
        res_type: str,
        res_id: str,
        body: dict[str, Any],
        *,
        method: str = "POST",
        source: tuple[str | None, str | None] = (None, None),
    ) -> StoredResource:
        """Store version 1 of a resource with a server-assigned (unique) id.

        The row is written at the next :meth:`flush` (before any read of this session,
        and at commit) together with the other pending creates: one multi-row insert
        instead of a round trip per resource, which is what makes transaction Bundles
        fast. Server-assigned ids are UUIDs, so no conflict check is needed.
        """
        stored = _first_version(res_type, res_id, body, method, source)
        self._pending.append(stored)
        return stored

    def create_with_id(
        self,
        res_type: str,
        res_id: str,
        body: dict[str, Any],
        *,
        method: str = "PUT",
        source: tuple[str | None, str | None] = (None, None),
    ) -> StoredResource:
        """Store version 1 under a client-chosen id; ``DuplicateResource`` if it is taken."""
        self.flush()
        stored = _first_version(res_type, res_id, body, method, source)
        pk = self.conn.execute(
            self._insert_if_absent().values(
                res_type=res_type,
                res_id=res_id,
                version=1,
                last_updated=stored.last_updated,
                deleted=False,
                patient_key=stored.patient_key,
                labels=stored.labels,
                source_org=stored.source_org,
                source_region=stored.source_region,
                body=stored.body,
            )
        ).scalar_one_or_none()
        if pk is None:
            raise DuplicateResource(f"{res_type}/{res_id}")
        stored.pk = pk
        self._versions.append(stored)
        self._indexes.add(pk, res_type, stored.patient_key, stored.resource or {}, replace=False)
        return stored

    def update(
        self,
        existing: StoredResource,
        body: dict[str, Any],
        *,
        method: str = "PUT",
    ) -> StoredResource:
        """Store the next version of ``existing``; fails if someone else got there first.

        The compare-and-set on ``version`` is what makes ``If-Match`` safe under
        concurrency: of two writers that read version n, exactly one moves it to n+1.
        """
        assert existing.pk is not None
        version = existing.version + 1
        now = max(now_us(), existing.last_updated + 1)
        body = stamp_meta(body, existing.res_id, version, now)
        text = orjson.dumps(body).decode()
        patient_key = patient_key_of(body)
        labels = labels_of(body)
        self._compare_and_set(existing, version, now, False, patient_key, text, labels)
        stored = StoredResource(
            existing.pk,
            existing.res_type,
            existing.res_id,
            version,
            now,
            False,
            text,
            patient_key,
            method,
            body,
            labels=labels,
            source_org=existing.source_org,
            source_region=existing.source_region,
        )
        self._versions.append(stored)
        self._indexes.add(existing.pk, existing.res_type, patient_key, body, replace=True)
        return stored

    def delete(self, existing: StoredResource) -> StoredResource:
        """Write a deletion version (a tombstone) and drop the resource from search."""
        assert existing.pk is not None
        version = existing.version + 1
        now = max(now_us(), existing.last_updated + 1)
        self._compare_and_set(existing, version, now, True, existing.patient_key, None, existing.labels)
        stored = StoredResource(
            existing.pk,
            existing.res_type,
            existing.res_id,
            version,
            now,
            True,
            None,
            existing.patient_key,
            "DELETE",
            labels=existing.labels,
            source_org=existing.source_org,
            source_region=existing.source_region,
        )
        self._versions.append(stored)
        self._indexes.remove(existing.pk)
        return stored

    def flush(self) -> None:
        """Write pending creates, version rows and index rows.

        Called before every read of the session (so a transaction sees its own writes)
        and at commit.
        """
        if self._pending:
            pending, self._pending = self._pending, []
            pks = insert_returning_keys(
                self.conn,
                resource,
                [
                    {
                        "res_type": item.res_type,
                        "res_id": item.res_id,
                        "version": 1,
                        "last_updated": item.last_updated,
                        "deleted": False,
                        "patient_key": item.patient_key,
                        "labels": item.labels,
                        "source_org": item.source_org,
                        "source_region": item.source_region,
                        "body": item.body,
                    }
                    for item in pending
                ],
            )
            for item, pk in zip(pending, pks, strict=True):
                item.pk = pk
                self._indexes.add(pk, item.res_type, item.patient_key, item.resource or {}, replace=False)
            self._versions.extend(pending)
        if self._versions:
            versions, self._versions = self._versions, []
            insert_rows(
                self.conn,
                resource_version,
                [
                    {
                        "resource_pk": item.pk,
                        "res_type": item.res_type,
                        "res_id": item.res_id,
                        "version": item.version,
                        "last_updated": item.last_updated,
                        "deleted": item.deleted,
                        "method": item.method or "PUT",
                        "patient_key": item.patient_key,
                        "labels": item.labels,
                        "body": item.body,
                    }
                    for item in versions
                ],
            )
        self._indexes.flush()

    # -- internals ---------------------------------------------------------------------

    def _compare_and_set(
        self,
        existing: StoredResource,
        version: int,
        now: int,
        deleted: bool,
        patient_key: str | None,
        text: str | None,
        labels: str | None,
    ) -> None:
        result = self.conn.execute(
            update(resource)
            .where(resource.c.pk == existing.pk, resource.c.version == existing.version)
            .values(
                version=version,
                last_updated=now,
                deleted=deleted,
                patient_key=patient_key,
                labels=labels,
                body=text,
            )
        )
        if result.rowcount != 1:
            actual = self.conn.execute(
                select(resource.c.version).where(resource.c.pk == existing.pk)
            ).scalar_one_or_none()
            raise VersionConflict(existing.version, actual)

    def _insert_if_absent(self) -> Any:
        """``INSERT ... ON CONFLICT DO NOTHING RETURNING pk``: a lost create race yields no row.

        Both backends support it, and unlike catching IntegrityError it leaves a
        PostgreSQL transaction usable without a savepoint round trip per resource.
        """
        dialect_insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        return (
            dialect_insert(resource)
            .on_conflict_do_nothing(index_elements=["res_type", "res_id"])
            .returning(resource.c.pk)
        )


class Store:
    """Opens store sessions on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def write(self, registry: SearchParameterRegistry | None = None) -> Iterator[StoreSession]:
        """A read-write transaction, committed when the block exits without error.

        ``registry`` decides which search parameters are indexed (default: built-in).
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                session = StoreSession(conn, registry)
                yield session
                session.flush()

    @contextmanager
    def read(self) -> Iterator[StoreSession]:
        """A read-only transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield StoreSession(conn)
