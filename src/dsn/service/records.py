"""The record service: every FHIR interaction, one pipeline.

Each interaction takes the caller's :class:`RequestContext` first. This is the single
place where the access policy, consent and the audit log plug in (identity-and-access
and audit issues); the store below knows nothing of callers, and the ways in above
(REST, web, HL7, CLI) never touch the store directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import jsonpatch

from dsn.audit.record import AuditRecord
from dsn.audit.writer import AuditLog
from dsn.config import Settings
from dsn.fhir.definitions import resource_types
from dsn.fhir.outcome import OutcomeIssue
from dsn.fhir.patient_compartment import compartment_params
from dsn.fhir.search_parameters import SearchParameterRegistry
from dsn.mpi.index import index_patient
from dsn.mpi.match import match as mpi_match
from dsn.security.policy import Access
from dsn.service.access import AccessControl, Visibility
from dsn.service.auditing import Auditor, patients_of, references_of
from dsn.service.consent_rules import sync_consent_rules
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError, gone, invalid, not_found
from dsn.service.nam_checks import nam_findings
from dsn.service.registry import RegistryProvider
from dsn.service.results import HistoryOutcome, SearchOutcome, WriteResult
from dsn.service.validation import (
    findings,
    require_resource_type,
    require_usable_search_parameter,
    require_valid,
)
from dsn.store.clock import from_instant, now_us
from dsn.store.errors import DuplicateResource, VersionConflict
from dsn.store.records import StoredResource
from dsn.store.search.conditions import SearchContext
from dsn.store.search.executor import PageTokenError, execute
from dsn.store.search.parse import QueryParser
from dsn.store.search.query import SearchQuery
from dsn.store.session import Store, StoreSession, patient_key_of

ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")


def require_valid_content(body: Any, res_type: str, settings: Settings | None = None) -> list:
    """Structural validation, then the rules DSN adds for particular resource types."""
    issues = require_valid(body, res_type)
    if res_type == "SearchParameter":
        require_usable_search_parameter(body)
    if res_type == "Patient" and settings is not None:
        issues = [*issues, *nam_findings(body, settings.nam_mismatch)]
    return issues


def new_id() -> str:
    return str(uuid.uuid4())


def check_id(res_id: str) -> None:
    if not res_id or len(res_id) > 64 or not set(res_id) <= ID_CHARS:
        raise invalid(f"'{res_id}' is not a valid resource id ([A-Za-z0-9-.]{{1,64}})")


def parse_version_tag(value: str | None) -> int | None:
    """``W/"3"`` (or ``"3"``, ``3``) → 3, for If-Match."""
    if value is None:
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise invalid(f"If-Match must be a version ETag like W/\"3\", not '{value}'")
    return int(text)


class RecordService:
    """FHIR interactions over a :class:`Store`, each one through the access policy."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.registries = RegistryProvider(store)
        self.access = AccessControl(store, settings.role_matrix_file)
        self.audit_log = AuditLog.from_settings(store.engine, settings)
        self.auditor = Auditor(self.audit_log)

    def close(self) -> None:
        """Stop the audit writer (flushing what it holds) and release its connections."""
        self.audit_log.close()

    @property
    def registry(self) -> SearchParameterRegistry:
        """The search parameters in force (built-in plus live custom ones)."""
        return self.registries.current()

    @property
    def parser(self) -> QueryParser:
        return QueryParser(self.registry, resource_types(), max_count=self.settings.max_page_size)

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[StoreSession]:
        """A write transaction whose audit records are appended just before it commits."""
        with self.store.write(self.registry) as session:
            yield session
            self.auditor.flush(session)

    # -- read ---------------------------------------------------------------------------

    def read(
        self, ctx: RequestContext, res_type: str, res_id: str, *, session: StoreSession | None = None
    ) -> StoredResource:
        require_resource_type(res_type)
        with self._refusals(ctx, "read", res_type, f"{res_type}/{res_id}", session):
            self.access.require(ctx, "read", res_type)
            with self._reading(session) as active:
                access = self.access.access(ctx, "r", active.conn)
                found = self._visible_current(ctx, active, res_type, res_id, "r", access)
            if found.deleted:
                raise gone(res_type, res_id, found.version)
            self._audit_read(
                ctx, session, "read", [found], resource_type=res_type, glass_patients=access.glass_patients
            )
            return found

    def vread(self, ctx: RequestContext, res_type: str, res_id: str, version: str) -> StoredResource:
        require_resource_type(res_type)
        with self._refusals(ctx, "vread", res_type, f"{res_type}/{res_id}/_history/{version}"):
            found = self._vread(ctx, res_type, res_id, version)
            self._audit_read(ctx, None, "vread", [found], resource_type=res_type, versioned=True)
            return found

    def _vread(self, ctx: RequestContext, res_type: str, res_id: str, version: str) -> StoredResource:
        self.access.require(ctx, "vread", res_type)
        if not version.isdigit():
            raise FhirError(404, "not-found", f"version '{version}' of {res_type}/{res_id} is not known")
        with self.store.read() as session:
            access = self.access.access(ctx, "r", session.conn)
            visibility = access.visibility()
            self._visible_current(ctx, session, res_type, res_id, "r", access)
            found = session.version(res_type, res_id, int(version))
            if found is not None and visibility is not None:
                # The version itself must be visible too (labels and patient may have changed).
                page = session.history(
                    res_type=res_type,
                    res_id=res_id,
                    count=1,
                    visibility=visibility,
                    at_or_before=found.last_updated,
                    since=found.last_updated,
                )
                if not page.entries:
                    found = None
        if found is None:
            raise FhirError(404, "not-found", f"version {version} of {res_type}/{res_id} is not known")
        if found.deleted:
            raise gone(res_type, res_id, found.version)
        return found

    # -- create / update / patch / delete -------------------------------------------------

    def create(
        self,
        ctx: RequestContext,
        res_type: str,
        body: Any,
        *,
        if_none_exist: str | None = None,
        assigned_id: str | None = None,
        session: StoreSession | None = None,
    ) -> WriteResult:
        """Create with a server-assigned id (``assigned_id`` when a transaction chose it)."""
        require_resource_type(res_type)
        with self._refusals(ctx, "create", res_type, None, session):
            return self._create(ctx, res_type, body, if_none_exist, assigned_id, session)

    def _create(
        self,
        ctx: RequestContext,
        res_type: str,
        body: Any,
        if_none_exist: str | None,
        assigned_id: str | None,
        session: StoreSession | None,
    ) -> WriteResult:
        self.access.require(ctx, "create", res_type)
        with self._session(session) as active:
            if if_none_exist:
                existing = self._conditional_matches(ctx, active, res_type, if_none_exist)
                if len(existing) == 1:
                    return WriteResult(existing[0], 200, created=False)
                if len(existing) > 1:
                    raise FhirError(
                        412, "duplicate", f"If-None-Exist '{if_none_exist}' matches {len(existing)} resources"
                    )
            if isinstance(body, dict):
                body = {k: v for k, v in body.items() if k != "id"}
            issues = require_valid_content(body, res_type, self.settings)
            self.access.require_own_compartment(ctx, patient_key_of(body))
            if res_type == "Patient":
                body = self._prevent_duplicate(active, body)
            stored = active.create(res_type, assigned_id or new_id(), body, method="POST", source=_source(ctx))
            self._after_write(active, ctx, "create", stored)
            return WriteResult(stored, 201, created=True, issues=issues)

    def update(
        self,
        ctx: RequestContext,
        res_type: str,
        res_id: str,
        body: Any,
        *,
        if_match: str | None = None,
        session: StoreSession | None = None,
    ) -> WriteResult:
        require_resource_type(res_type)
        with self._refusals(ctx, "update", res_type, f"{res_type}/{res_id}", session):
            return self._update(ctx, res_type, res_id, body, if_match, session)

    def _update(
        self,
        ctx: RequestContext,
        res_type: str,
        res_id: str,
        body: Any,
        if_match: str | None,
        session: StoreSession | None,
    ) -> WriteResult:
        self.access.require(ctx, "update", res_type)
        check_id(res_id)
        expected = parse_version_tag(if_match)
        if isinstance(body, dict):
            if "id" not in body:
                raise invalid("the resource has no id; an update must carry the id of the URL", f"{res_type}.id")
            if body.get("id") != res_id:
                raise invalid(
                    f"the resource id '{body.get('id')}' does not match the id '{res_id}' in the URL",
                    f"{res_type}.id",
                )
        issues = require_valid_content(body, res_type, self.settings)
        self.access.require_own_compartment(ctx, patient_key_of(body))
        with self._session(session) as active:
            existing = active.current(res_type, res_id)
            if existing is not None:
                visible = active.current(res_type, res_id, self.access.visibility(ctx, "r", active.conn))
                if visible is None:
                    # Someone else's record under this id: never reveal it, never overwrite it.
                    raise FhirError(403, "forbidden", f"{res_type}/{res_id} cannot be written by this user")
                self.access.require_writable(ctx, existing)
            if expected is not None and (existing is None or existing.version != expected):
                actual = existing.version if existing else None
                raise FhirError(
                    412,
                    "conflict",
                    f"If-Match version {expected} does not match the current version {actual}",
                )
            if existing is None:
                self.access.require(ctx, "create", res_type)
                try:
                    stored = active.create_with_id(res_type, res_id, body, method="PUT", source=_source(ctx))
                except DuplicateResource:
                    raise FhirError(409, "conflict", f"{res_type}/{res_id} was created concurrently") from None
                self._after_write(active, ctx, "create", stored)
                return WriteResult(stored, 201, created=True, issues=issues)
            try:
                stored = active.update(existing, body, method="PUT")
            except VersionConflict as exc:
                raise FhirError(412, "conflict", f"{res_type}/{res_id} changed concurrently: {exc}") from None
            self._after_write(active, ctx, "update", stored)
            return WriteResult(stored, 201 if existing.deleted else 200, created=existing.deleted, issues=issues)

    def conditional_update(
        self,
        ctx: RequestContext,
        res_type: str,
        criteria: str,
        body: Any,
        *,
        if_match: str | None = None,
        session: StoreSession | None = None,
    ) -> WriteResult:
        require_resource_type(res_type)
        self.access.require(ctx, "update", res_type)
        with self._session(session) as active:
            matches = self._conditional_matches(ctx, active, res_type, criteria)
            if len(matches) > 1:
                raise FhirError(412, "multiple-matches", f"'{criteria}' matches {len(matches)} resources")
            if not matches:
                body_id = body.get("id") if isinstance(body, dict) else None
                if body_id:
                    return self.update(ctx, res_type, body_id, body, if_match=if_match, session=active)
                return self.create(ctx, res_type, body, session=active)
            target = matches[0]
            if isinstance(body, dict):
                if body.get("id") not in (None, target.res_id):
                    raise invalid(
                        f"the resource id '{body['id']}' differs from the matched resource {target.reference}",
                        f"{res_type}.id",
                    )
                body = {**body, "id": target.res_id}
            return self.update(ctx, res_type, target.res_id, body, if_match=if_match, session=active)

    def patch(
        self,
        ctx: RequestContext,
        res_type: str,
        res_id: str,
        operations: Any,
        *,
        if_match: str | None = None,
        session: StoreSession | None = None,
    ) -> WriteResult:
        require_resource_type(res_type)
        with self._refusals(ctx, "patch", res_type, f"{res_type}/{res_id}", session):
            return self._patch(ctx, res_type, res_id, operations, if_match, session)

    def _patch(
        self,
        ctx: RequestContext,
        res_type: str,
        res_id: str,
        operations: Any,
        if_match: str | None,
        session: StoreSession | None,
    ) -> WriteResult:
        self.access.require(ctx, "patch", res_type)
        if not isinstance(operations, list):
            raise invalid("a JSON Patch body must be an array of operations")
        with self._session(session) as active:
            existing = self._visible_current(ctx, active, res_type, res_id, "r")
            if existing.deleted:
                raise gone(res_type, res_id, existing.version)
            self.access.require_writable(ctx, existing)
            expected = parse_version_tag(if_match)
            if expected is not None and expected != existing.version:
                raise FhirError(
                    412,
                    "conflict",
                    f"If-Match version {expected} does not match the current version {existing.version}",
                )
            try:
                patched = jsonpatch.apply_patch(existing.resource, operations)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as exc:
                raise FhirError(422, "processing", f"the JSON Patch cannot be applied: {exc}") from None
            if not isinstance(patched, dict) or patched.get("resourceType") != res_type or patched.get("id") != res_id:
                raise FhirError(422, "processing", "a patch may not change resourceType or id")
            issues = require_valid_content(patched, res_type, self.settings)
            self.access.require_own_compartment(ctx, patient_key_of(patched))
            try:
                stored = active.update(existing, patched, method="PATCH")
            except VersionConflict as exc:
                raise FhirError(412, "conflict", f"{res_type}/{res_id} changed concurrently: {exc}") from None
            self._after_write(active, ctx, "patch", stored)
            return WriteResult(stored, 200, issues=issues)

    def delete(
        self,
        ctx: RequestContext,
        res_type: str,
        res_id: str,
        *,
        session: StoreSession | None = None,
    ) -> WriteResult | None:
        """Delete; None when the resource was already deleted (nothing to do)."""
        require_resource_type(res_type)
        with self._refusals(ctx, "delete", res_type, f"{res_type}/{res_id}", session):
            return self._delete(ctx, res_type, res_id, session)

    def _delete(
        self, ctx: RequestContext, res_type: str, res_id: str, session: StoreSession | None
    ) -> WriteResult | None:
        self.access.require(ctx, "delete", res_type)
        with self._session(session) as active:
            existing = self._visible_current(ctx, active, res_type, res_id, "r")
            if existing.deleted:
                return None
            self.access.require_writable(ctx, existing)
            self.access.require_own_compartment(ctx, existing.patient_key)
            try:
                stored = active.delete(existing)
            except VersionConflict as exc:
                raise FhirError(409, "conflict", f"{res_type}/{res_id} changed concurrently: {exc}") from None
            self._after_write(active, ctx, "delete", stored)
            return WriteResult(stored, 200)

    def conditional_delete(
        self, ctx: RequestContext, res_type: str, criteria: str, *, session: StoreSession | None = None
    ) -> WriteResult | None:
        require_resource_type(res_type)
        self.access.require(ctx, "delete", res_type)
        with self._session(session) as active:
            matches = self._conditional_matches(ctx, active, res_type, criteria)
            if len(matches) > 1:
                raise FhirError(412, "multiple-matches", f"'{criteria}' matches {len(matches)} resources")
            if not matches:
                return None
            return self.delete(ctx, res_type, matches[0].res_id, session=active)

    # -- search and history ---------------------------------------------------------------

    def parse_search(self, ctx: RequestContext, res_type: str | None, pairs: list[tuple[str, str]]) -> SearchQuery:
        if res_type is not None:
            require_resource_type(res_type)
        query = self.parser.parse(res_type, pairs)
        if query.issues and ctx.strict:
            raise FhirError(
                400,
                "invalid",
                query.issues[0].message,
                issues=[OutcomeIssue("error", "invalid", f"{i.name}: {i.message}", (i.name,)) for i in query.issues],
            )
        return query

    def search(
        self,
        ctx: RequestContext,
        res_type: str | None,
        pairs: list[tuple[str, str]],
        *,
        compartment: tuple[str, str] | None = None,
        session: StoreSession | None = None,
    ) -> SearchOutcome:
        if res_type is not None:
            require_resource_type(res_type)
        subtype = "search-system" if res_type is None else ("search-compartment" if compartment else "search-type")
        with self._refusals(ctx, subtype, res_type, None, session):
            if res_type is not None:
                self.access.require(ctx, "search", res_type)
            else:
                self.access.require_authenticated(ctx)
            outcome, glass = self._search(ctx, res_type, pairs, compartment, session)
            items = [*outcome.result.matches, *outcome.result.included]
            self._audit_read(
                ctx,
                session,
                subtype,
                items,
                resource_type=res_type,
                query=pairs,
                glass_patients=glass,
                patients=[compartment[1]] if compartment and compartment[0] == "Patient" else [],
            )
            return outcome

    def _search(
        self,
        ctx: RequestContext,
        res_type: str | None,
        pairs: list[tuple[str, str]],
        compartment: tuple[str, str] | None,
        session: StoreSession | None,
    ) -> tuple[SearchOutcome, tuple[str, ...]]:
        query = self.parse_search(ctx, res_type, pairs)
        if compartment is not None:
            require_resource_type(compartment[0])
            query.compartment = compartment
        with self._reading(session) as active:
            access = self.access.access(ctx, "s", active.conn)
            visibility = access.visibility()
            if compartment is not None:
                # The compartment's owner must be visible: otherwise "no results" and
                # "you may not look" would be distinguishable.
                self._visible_current(ctx, active, compartment[0], compartment[1], "r")
            try:
                result = execute(
                    active.conn,
                    query,
                    self._search_context(visibility),
                    page_size=self.settings.default_page_size,
                    compartment_params=compartment_params(),
                    visibility=visibility,
                )
            except PageTokenError as exc:
                raise invalid(f"invalid _page token: {exc}", "_page") from None
        return SearchOutcome(query, result), access.glass_patients

    def history(
        self,
        ctx: RequestContext,
        res_type: str | None,
        res_id: str | None,
        params: dict[str, str],
    ) -> HistoryOutcome:
        if res_type is not None:
            require_resource_type(res_type)
        subtype = "history-system" if res_type is None else ("history-instance" if res_id else "history-type")
        entity = f"{res_type}/{res_id}" if res_id else None
        with self._refusals(ctx, subtype, res_type, entity):
            outcome = self._history(ctx, res_type, res_id, params)
            self._audit_read(ctx, None, subtype, outcome.page.entries, resource_type=res_type, versioned=True)
            return outcome

    def _history(
        self, ctx: RequestContext, res_type: str | None, res_id: str | None, params: dict[str, str]
    ) -> HistoryOutcome:
        if res_type is not None:
            self.access.require(ctx, "history", res_type)
        else:
            self.access.require_authenticated(ctx)
        since = _instant_param(params, "_since")
        at = _instant_param(params, "_at")
        count = _count_param(params, self.settings.default_page_size, self.settings.max_page_size)
        cursor = None
        if "_page" in params:
            try:
                stamp, pk = params["_page"].split(".", 1)
                cursor = (int(stamp), int(pk))
            except ValueError:
                raise invalid(f"invalid _page token '{params['_page']}'", "_page") from None
        with self.store.read() as session:
            access = self.access.access(ctx, "r", session.conn)
            visibility = access.visibility()
            if res_id is not None:
                assert res_type is not None
                self._visible_current(ctx, session, res_type, res_id, "r", access)
            page = session.history(
                res_type=res_type,
                res_id=res_id,
                since=since,
                at_or_before=at,
                cursor=cursor,
                count=count,
                with_total=cursor is None,
                visibility=visibility,
            )
        return HistoryOutcome(page)

    # -- validation ---------------------------------------------------------------------

    def validate(self, ctx: RequestContext, res_type: str | None, body: Any, mode: str | None = None) -> list:
        """``$validate``: the same findings a write would produce, nothing stored or read."""
        self.access.require_authenticated(ctx)
        if res_type is not None:
            require_resource_type(res_type)
        issues = findings(body, res_type)
        self.auditor.durable(AuditRecord.for_request(ctx, "$validate", resource_type=res_type))
        return issues

    # -- helpers ------------------------------------------------------------------------

    def _prevent_duplicate(self, session: StoreSession, body: dict[str, Any]) -> dict[str, Any]:
        """A new Patient that *certainly* matches an existing one is refused (or linked).

        Two records for one person split their history: the allergy recorded on one is
        missing from the other. ``DSN_MPI_CERTAIN_DUPLICATE`` chooses: ``refuse`` (409,
        naming the existing Patient), ``link`` (store it with ``link.type=seealso``), or
        ``allow``. Probable and possible matches are left to the dedupe review list.
        """
        policy = self.settings.mpi_certain_duplicate
        if policy == "allow":
            return body
        session.flush()
        candidates = mpi_match(session.conn, body, count=1, only_certain=True)
        if not candidates:
            return body
        existing = candidates[0].patient_id
        if policy == "link":
            link = {"other": {"reference": f"Patient/{existing}"}, "type": "seealso"}
            return {**body, "link": [*body.get("link", []), link]}
        raise FhirError(
            409,
            "duplicate",
            f"this patient certainly matches Patient/{existing}; update that record instead "
            f"(or ask an MPI reviewer to link them)",
            "Patient",
        )

    def _after_write(self, session: StoreSession, ctx: RequestContext, subtype: str, stored: StoredResource) -> None:
        """What must change in the same transaction as the resource: derived state, audit."""
        if stored.res_type == "Consent":
            sync_consent_rules(session, stored)
        if stored.res_type == "Patient":
            index_patient(session.conn, stored)
        self.auditor.write(session, ctx, subtype, stored)
        if stored.res_type == "Consent":
            self.auditor.write(session, ctx, "consent", stored)

    def _visible_current(
        self,
        ctx: RequestContext,
        session: StoreSession,
        res_type: str,
        res_id: str,
        letter: str,
        access: Access | None = None,
    ) -> StoredResource:
        """The current row if it exists AND the caller may see it; 404 otherwise (never 403).

        Answering 403 for a row the caller may not see would confirm that it exists.
        ``access`` reuses what the caller already computed for this request.
        """
        access = access or self.access.access(ctx, letter, session.conn)
        found = session.current(res_type, res_id, access.visibility())
        if found is None:
            raise not_found(res_type, res_id)
        return found

    def _search_context(self, visibility: Visibility | None = None) -> SearchContext:
        return SearchContext(base_url=self.settings.base_url, now_us=now_us(), visibility=visibility)

    def _conditional_matches(
        self, ctx: RequestContext, session: StoreSession, res_type: str, criteria: str
    ) -> list[StoredResource]:
        """Resources matching conditional criteria, among those the caller may see."""
        pairs = parse_qsl(criteria.lstrip("?"), keep_blank_values=True)
        if not pairs:
            raise invalid("conditional criteria are empty")
        query = self.parser.parse(res_type, pairs)
        if query.issues:
            # Ignoring a criterion here could overwrite or delete the wrong resource.
            raise FhirError(
                400,
                "invalid",
                f"conditional criteria not understood: {query.issues[0].name}: {query.issues[0].message}",
            )
        query.count = 2
        session.flush()
        visibility = self.access.visibility(ctx, "s", session.conn)
        result = execute(session.conn, query, self._search_context(visibility), page_size=2, visibility=visibility)
        return result.matches

    @contextmanager
    def _session(self, session: StoreSession | None) -> Iterator[StoreSession]:
        if session is not None:
            yield session
        else:
            with self.writing() as own:
                yield own

    @contextmanager
    def _refusals(
        self,
        ctx: RequestContext,
        subtype: str,
        res_type: str | None,
        entity: str | None = None,
        session: StoreSession | None = None,
    ) -> Iterator[None]:
        """Record refused or failed requests in the audit log, then let the error go on.

        Inside a caller's transaction (``session``) the record joins that transaction:
        waiting for the group-commit writer there would wait for our own write lock.
        """
        try:
            yield
        except FhirError as exc:
            if exc.status not in (400, 422, 503):
                if session is not None:
                    self.auditor.event(session, self.auditor.refusal_record(ctx, subtype, res_type, exc, entity))
                else:
                    self.auditor.refusal(ctx, subtype, res_type, exc, entity)
            raise

    def _audit_read(
        self,
        ctx: RequestContext,
        session: StoreSession | None,
        subtype: str,
        items: list[StoredResource],
        **details: Any,
    ) -> None:
        """Reads inside a caller's transaction join it; standalone reads wait for durability."""
        if session is not None:
            glass = set(details.pop("glass_patients", ()))
            returned = set(patients_of(items))
            self.auditor.event(
                session,
                AuditRecord.for_request(
                    ctx,
                    subtype,
                    patient_ids=sorted(returned),
                    entities=references_of(items),
                    resource_type=details.get("resource_type"),
                    break_glass=bool(returned & glass),
                ),
            )
        else:
            self.auditor.read(ctx, subtype, items, **details)

    @contextmanager
    def _reading(self, session: StoreSession | None) -> Iterator[StoreSession]:
        if session is not None:
            session.flush()
            yield session
        else:
            with self.store.read() as own:
                yield own


def _source(ctx: RequestContext) -> tuple[str | None, str | None]:
    """Who records a new resource: the caller's organization and region."""
    return ctx.caller.organization, ctx.caller.region


def _instant_param(params: dict[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        return from_instant(params[name])
    except ValueError:
        raise invalid(f"{name} must be an instant like 2024-01-31T12:00:00Z, not '{params[name]}'", name) from None


def _count_param(params: dict[str, str], default: int, maximum: int) -> int:
    if "_count" not in params:
        return default
    value = params["_count"]
    if not value.isdigit():
        raise invalid(f"_count must be a non-negative integer, not '{value}'", "_count")
    return min(int(value), maximum)
