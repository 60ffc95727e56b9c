"""Patients' consent directives: from FHIR Consent to rules, and rules to a row filter.

A Consent (status ``active``, scope ``patient-privacy``) with a ``deny`` provision is read
as one of the three choices the Act gives the patient:

* no actor, no security label: **refusal** of all sharing (``provision.period`` sets
  when it is in force; without a period, from now on and until withdrawn);
* ``securityLabel`` (PSY, ETH, SEX, HIV, STD…): **restriction of categories**, for
  everyone or only for the listed actors;
* actors only: **restriction of a provider or an organization** from the whole record.

Nested ``deny`` provisions under a ``permit`` base are read the same way. Withdrawing
is setting the Consent's status to ``inactive`` (or deleting it). Under a refusal or a
whole-record restriction, the Patient resource and the Consent stay visible, so other
users can find the patient and see *that* sharing was refused — never the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal, or_

from dsn.store.clock import from_instant
from dsn.store.consent_schema import consent_rule

ALWAYS_VISIBLE = ("Patient", "Consent")
ACTOR_TYPES = ("Practitioner", "Organization", "PractitionerRole")


@dataclass(frozen=True, slots=True)
class ConsentRule:
    kind: str  # refuse | category | actor
    label: str | None
    actor: str | None
    effective_from: int
    effective_to: int | None


def rules_from_consent(consent: dict[str, Any], now: int) -> list[ConsentRule]:
    """The access rules an active Consent expresses (none for other statuses)."""
    if consent.get("status") != "active":
        return []
    provision = consent.get("provision")
    if not isinstance(provision, dict):
        return []
    rules: list[ConsentRule] = []
    for deny in _deny_provisions(provision):
        start, end = _period(deny.get("period"), now)
        labels = [
            c["code"] for c in deny.get("securityLabel") or [] if isinstance(c, dict) and isinstance(c.get("code"), str)
        ]
        actors = [_actor(a) for a in deny.get("actor") or []]
        actors = [a for a in actors if a]
        if labels:
            for label in labels:
                for actor in actors or [None]:
                    rules.append(ConsentRule("category", label, actor, start, end))
        elif actors:
            rules.extend(ConsentRule("actor", None, actor, start, end) for actor in actors)
        elif not deny.get("class") and not deny.get("code") and not deny.get("data"):
            rules.append(ConsentRule("refuse", None, None, start, end))
    return rules


def _deny_provisions(provision: dict[str, Any]) -> list[dict[str, Any]]:
    found = [provision] if provision.get("type") == "deny" else []
    for nested in provision.get("provision") or []:
        if isinstance(nested, dict) and nested.get("type") == "deny":
            found.append(nested)
    return found


def _period(period: Any, now: int) -> tuple[int, int | None]:
    if not isinstance(period, dict):
        return 0, None
    start = from_instant(period["start"]) if isinstance(period.get("start"), str) else 0
    end = from_instant(period["end"]) if isinstance(period.get("end"), str) else None
    return start, end


def _actor(actor: Any) -> str | None:
    reference = actor.get("reference", {}).get("reference") if isinstance(actor, dict) else None
    if isinstance(reference, str) and reference.split("/")[0] in ACTOR_TYPES and reference.count("/") == 1:
        return reference
    return None


def consent_filter(actor_refs: tuple[str, ...], now: int) -> Callable[[Any], ColumnElement[bool]]:
    """Rows NOT withheld by any patient's consent rule from a caller known as ``actor_refs``."""
    refs = list(actor_refs) or ["-"]

    def condition(table: Any) -> ColumnElement[bool]:
        rule = consent_rule.alias("consent")
        withheld = exists().where(
            rule.c.patient_id == table.c.patient_key,
            rule.c.effective_from <= now,
            or_(rule.c.effective_to.is_(None), rule.c.effective_to > now),
            or_(
                and_(rule.c.kind == "refuse", table.c.res_type.not_in(ALWAYS_VISIBLE)),
                and_(
                    rule.c.kind == "category",
                    table.c.labels.like(literal("% ") + rule.c.label + literal(" %")),
                    or_(rule.c.actor.is_(None), rule.c.actor.in_(refs)),
                ),
                and_(rule.c.kind == "actor", rule.c.actor.in_(refs), table.c.res_type.not_in(ALWAYS_VISIBLE)),
            ),
        )
        return ~withheld

    return condition
