"""The break-the-glass review queue as the privacy officer works it: one emergency access at a time.

The queue (:func:`dsn.service.audit_access.review_queue`) lists the records flagged
break-the-glass: the opening of an emergency access (its detail is
``"<reason code>: <justification>"``, see :mod:`dsn.service.break_glass`) and each read
made under it. A read carries no reason of its own, so it is shown with the opening it
relied on: the newest opening by the same user for the same patient before it, found
on the page or else by one audited log search per (user, patient). Earlier reviews
(a "needs follow-up" keeps the record in the queue) come from the review table, read
only after the service has let the caller see the queue.

One emergency access is one event to judge, but the log holds it as many records: the
opening and every read made under it. So the page shows episodes (:class:`Episode`): an
opening with the reads on the page that relied on it (reads whose opening was not
found: those of one user for one patient). A decision on an episode is a review of each
of its records (:func:`review_all`), written and audited by the service exactly as
decisions made one by one, so the patient's access log and the API read them as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import select

from dsn.audit.query import DECISIONS, FINAL_DECISIONS, Review, reviews_of
from dsn.service.audit_access import audit_search, review, review_queue
from dsn.service.break_glass import REASONS
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.store.audit_schema import audit_log
from dsn.web.privacy.access import require_audit_reader
from dsn.web.privacy.events import EventRow, next_cursor, rows_of

OPENING = "break-glass"
MAX_RECORDS: Final = 200  # records one decision may cover (an episode on a page of 25 has far fewer)
_MAX_DIGITS: Final = 18  # a record number the database's bigint holds
_ROUND_US: Final = 60_000_000  # reviews this close (same reviewer, decision, comment) were made in one go


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

    @property
    def pending(self) -> bool:
        """Still in the queue: never reviewed, or last reviewed "needs follow-up"."""
        return self.decision not in FINAL_DECISIONS


@dataclass(slots=True)
class ReviewRound:
    """Reviews of several records of an episode made in one go: one line of its history, not one per record."""

    decision: str
    reviewed_by: str
    comment: str | None
    reviewed_at: int
    seqs: list[int]


@dataclass(slots=True)
class Episode:
    """One emergency access: its opening (when found) and its records on this page, oldest first."""

    key: str  # the opening's seq, or ``r<seq>`` (a read's) when the opening was not found: the card's id
    opening: EventRow | None
    items: list[QueueItem]
    reason: str | None = None
    justification: str | None = None

    @property
    def row(self) -> EventRow:
        """The record that says who opened the access and for which patient."""
        return self.opening or self.items[0].row

    @property
    def seqs(self) -> list[int]:
        return [item.row.seq for item in self.items]

    @property
    def pending(self) -> list[int]:
        """The records still in the queue (never reviewed, or "needs follow-up")."""
        return [item.row.seq for item in self.items if item.pending]

    @property
    def to_decide(self) -> list[int]:
        """The records the card's decision applies to: those still pending or, once all are decided, all of them.

        A later review supersedes an earlier one, so a decided episode (``show=all``) can still
        be revised as a whole.
        """
        return self.pending or self.seqs

    @property
    def states(self) -> list[str | None]:
        """The distinct decisions in force over the records (None: never reviewed), never reviewed first."""
        found = {item.decision for item in self.items}
        return [state for state in (None, *DECISIONS) if state in found]

    @property
    def history(self) -> list[ReviewRound]:
        """The records' reviews, oldest first; a decision taken on the whole episode is one round."""
        rounds: list[ReviewRound] = []
        previous_at = 0
        for done in sorted((r for item in self.items for r in item.reviews), key=lambda r: (r.reviewed_at, r.seq)):
            last = rounds[-1] if rounds else None
            if (
                last is not None
                and (last.decision, last.reviewed_by, last.comment) == (done.decision, done.reviewed_by, done.comment)
                and done.reviewed_at - previous_at <= _ROUND_US
                and done.seq not in last.seqs
            ):
                last.seqs.append(done.seq)
            else:
                rounds.append(ReviewRound(done.decision, done.reviewed_by, done.comment, done.reviewed_at, [done.seq]))
            previous_at = done.reviewed_at
        for round_ in rounds:
            round_.seqs.sort()
        return rounds


@dataclass(slots=True)
class QueuePage:
    items: list[QueueItem]
    next_page: str | None
    episodes: list[Episode] = field(default_factory=list)


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
    return QueuePage(items, next_cursor(bundle), episodes_of(items))


def episodes_of(items: list[QueueItem]) -> list[Episode]:
    """The page's records grouped by emergency access, in the queue's order (newest first) of their latest record."""
    episodes: dict[tuple[str, ...], Episode] = {}
    for item in items:
        opening = item.row if item.row.subtype == OPENING else item.opening
        if opening is not None:
            group: tuple[str, ...] = ("opening", str(opening.seq))
            key = str(opening.seq)
        else:
            group = ("reads", item.row.user_id, item.row.patients[0] if item.row.patients else "")
            key = f"r{item.row.seq}"
        if group not in episodes:
            reason, justification = reason_and_justification(opening.detail if opening else None)
            episodes[group] = Episode(key, opening, [], reason, justification)
        episodes[group].items.append(item)
    for episode in episodes.values():
        episode.items.sort(key=lambda item: item.row.seq)
    return list(episodes.values())


def parse_seqs(raw: str) -> list[int] | None:
    """The record numbers an episode form posts (``"12,13,20"``), or None when it is not a list the page writes."""
    parts = raw.split(",")
    if not raw or len(parts) > MAX_RECORDS:
        return None
    if not all(part.isascii() and part.isdigit() and len(part) <= _MAX_DIGITS for part in parts):
        return None
    return list(dict.fromkeys(int(part) for part in parts))


def review_all(service: RecordService, ctx: RequestContext, seqs: list[int], decision: str, comment: str | None) -> int:
    """Record one decision on each of ``seqs`` through the service (one review, one audit record each); how many.

    The service judges one record at a time, so the whole list is refused before any review
    is written when one of its records is not a break-the-glass access: that record goes to
    the service first, which refuses it (404) and audits the refusal. A caller who may not
    read the audit log is refused (403, audited) before the list is looked at.
    """
    require_audit_reader(service, ctx, "review")  # the policy first, before the log is even looked at
    flagged = _break_glass(service, seqs)
    refused = [seq for seq in seqs if seq not in flagged]
    for seq in refused + [seq for seq in seqs if seq in flagged]:
        review(service, ctx, seq, decision, comment)
    return len(seqs)


def _break_glass(service: RecordService, seqs: list[int]) -> set[int]:
    """Which of ``seqs`` are break-the-glass records (only orders the service's calls: it decides)."""
    with service.store.read() as session:
        found = session.conn.scalars(
            select(audit_log.c.seq).where(audit_log.c.seq.in_(seqs), audit_log.c.break_glass.is_(True))
        )
        return set(found)


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
