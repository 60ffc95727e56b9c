"""What a patient's choices withhold from *this* user, and emergency access to it.

The consent notice says what the patient decided; this says whether it hides anything
from the user looking at the chart, by the same rules the row filter applies
(:func:`dsn.security.consent.rules_from_consent`, and
:func:`dsn.security.policy.actor_refs` for who a rule names). That decides two things
the page must get right: whether to offer break-the-glass (only when something is
withheld, so grants are not opened for nothing and reviewed for nothing), and whether an
empty section means "none recorded" or "hidden from you".

Break-the-glass itself is the service's (:func:`dsn.service.break_glass.break_glass`),
which checks the role, the reason and the justification again and audits the grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dsn.security.consent import rules_from_consent
from dsn.security.policy import actor_refs
from dsn.service.break_glass import BREAK_GLASS_ROLES, MIN_JUSTIFICATION, REASONS, Grant, open_grants
from dsn.service.context import Caller, RequestContext
from dsn.service.records import RecordService
from dsn.store.clock import now_us
from dsn.web.clinical.consent_status import ConsentStatus
from dsn.web.formatting import LOCAL_ZONE, format_time
from dsn.web.i18n import Translator

__all__ = [
    "MIN_JUSTIFICATION",
    "Withheld",
    "active_grant",
    "can_break_glass",
    "reason_choices",
    "until_text",
    "withheld_from",
]


@dataclass(frozen=True, slots=True)
class Withheld:
    """What the patient's consent hides from one user right now (ignoring break-the-glass)."""

    record: bool = False  # refusal, or the whole record restricted from this user
    categories: tuple[str, ...] = ()  # sensitivity labels hidden from this user

    @property
    def any(self) -> bool:
        return self.record or bool(self.categories)


def withheld_from(consent: ConsentStatus, caller: Caller) -> Withheld:
    if caller.is_patient:
        return Withheld()
    refs = set(actor_refs(caller))
    now = now_us()
    record = False
    categories: list[str] = []
    for resource in consent.consents:
        for rule in rules_from_consent(resource, now):
            if rule.effective_from > now or (rule.effective_to is not None and rule.effective_to <= now):
                continue
            applies = rule.actor is None or rule.actor in refs
            if rule.kind == "refuse" or (rule.kind == "actor" and applies):
                record = True
            elif rule.kind == "category" and applies and rule.label and rule.label not in categories:
                categories.append(rule.label)
    return Withheld(record, tuple(categories))


def can_break_glass(caller: Caller) -> bool:
    return caller.kind == "user" and caller.role in BREAK_GLASS_ROLES


def active_grant(service: RecordService, ctx: RequestContext, patient_id: str) -> Grant | None:
    """The user's open grant on this patient that lasts longest, if any."""
    grants = [g for g in open_grants(service, ctx) if g.patient_id == patient_id]
    return max(grants, key=lambda g: g.expires_at) if grants else None


def until_text(grant: Grant, t: Translator) -> str:
    """When the grant ends, in Montreal time: ``16 h 05``, and the date if it is not today."""
    until = datetime.fromtimestamp(grant.expires_at / 1e6, tz=UTC).astimezone(LOCAL_ZONE)
    time = format_time(until, t.language)
    if until.date() == datetime.now(LOCAL_ZONE).date():
        return time
    return f"{time} ({t.date(until.date())})"


def reason_choices(t: Translator) -> list[tuple[str, str]]:
    """(code, label in the page's language) of each accepted reason."""
    return [(code, labels[0] if t.language == "fr" else labels[1]) for code, labels in REASONS.items()]
