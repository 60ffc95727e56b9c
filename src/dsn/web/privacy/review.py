"""The break-the-glass review queue as the privacy officer works it: each access with its reason.

The queue (:func:`dsn.service.audit_access.review_queue`) lists the records flagged
break-the-glass: the opening of an emergency access (its detail is
``"<reason code>: <justification>"``, see :mod:`dsn.service.break_glass`) and each read
made under it. A read carries no reason of its own, so it is shown with the opening it
relied on: the newest opening by the same user for the same patient before it, found
on the page or else by one audited log search per (user, patient). Earlier reviews
(a "needs follow-up" keeps the record in the queue) come from the review table, read
only after the service has let the caller see the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsn.audit.query import Review, reviews_of
from dsn.service.audit_access import audit_search, review_queue
from dsn.service.break_glass import REASONS
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.web.privacy.events import EventRow, next_cursor, rows_of

OPENING = "break-glass"


@dataclass(slots=True)
class QueueItem:
    row: EventRow
    reason: str | None = None
    justification: str | None = None
    opening: EventRow | None = None  # for a read: the emergency access it relied on
    reviews: list[Review] = field(default_factory=list)

    @property
    def decision(self) -> str | None:
        """The decision in force (the last review), if any."""
        return self.reviews[-1].decision if self.reviews else None


@dataclass(slots=True)
class QueuePage:
    items: list[QueueItem]
    next_page: str | None


def queue_page(service: RecordService, ctx: RequestContext, *, pending: bool, page: str | None) -> QueuePage:
    params = {"pending": "true" if pending else "false", "_count": "25"}
    if page:
        params["_page"] = page
    bundle: dict[str, Any] = review_queue(service, ctx, params)
    items = [_item(row) for row in rows_of(bundle)]
    _attach_openings(service, ctx, items)
    with service.store.read() as session:
        for item in items:
            item.reviews = reviews_of(session.conn, item.row.seq)
    return QueuePage(items, next_cursor(bundle))


def reason_and_justification(detail: str | None) -> tuple[str | None, str | None]:
    """Split an opening's detail ``"ETREAT: Patient inconscient"`` into its code and its words."""
    if not detail:
        return None, None
    code, sep, words = detail.partition(": ")
    if sep and code in REASONS:
        return code, words
    return None, detail


def _item(row: EventRow) -> QueueItem:
    if row.subtype == OPENING:
        reason, justification = reason_and_justification(row.detail)
        return QueueItem(row, reason, justification)
    return QueueItem(row)


def _attach_openings(service: RecordService, ctx: RequestContext, items: list[QueueItem]) -> None:
    openings = [item.row for item in items if item.row.subtype == OPENING]
    missing: dict[tuple[str, str], int] = {}
    for item in items:
        if item.row.subtype == OPENING:
            continue
        item.opening = _opening_for(item.row, openings)
        if item.opening is None and item.row.patients:
            key = (item.row.user_id, item.row.patients[0])
            missing[key] = max(missing.get(key, 0), item.row.seq)
    for (user_id, patient), before in missing.items():
        bundle = audit_search(
            service,
            ctx,
            {"subtype": OPENING, "agent": user_id, "patient": patient, "_page": str(before), "_count": "20"},
        )
        found = rows_of(bundle)
        for item in items:
            if item.opening is None and item.row.user_id == user_id and patient in item.row.patients:
                item.opening = _opening_for(item.row, found)
    for item in items:
        if item.opening is not None:
            item.reason, item.justification = reason_and_justification(item.opening.detail)


def _opening_for(row: EventRow, openings: list[EventRow]) -> EventRow | None:
    """The newest opening by the same user for one of the row's patients, before the row."""
    candidates = [
        o for o in openings if o.user_id == row.user_id and o.seq < row.seq and set(o.patients) & set(row.patients)
    ]
    return max(candidates, key=lambda o: o.seq, default=None)
