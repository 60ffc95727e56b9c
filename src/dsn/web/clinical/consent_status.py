"""What a patient decided about sharing, as the chart's notice and the portal's page show it.

Read from the patient's active Consent resources, which the access policy keeps visible
to every user who may see the Patient (so a clinician learns *that* information is
withheld, never what it is). The rules are derived by the same function the row filter
uses (:func:`dsn.security.consent.rules_from_consent`), so the notice and the filter
cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsn.security.consent import rules_from_consent
from dsn.store.clock import now_us

CATEGORY_LABELS = ("PSY", "ETH", "HIV", "STD", "SEX")


@dataclass(slots=True)
class ConsentStatus:
    refused: bool = False
    categories: list[str] = field(default_factory=list)  # sensitivity labels restricted for everyone or some
    actors: list[str] = field(default_factory=list)  # Organization/x, Practitioner/y restricted
    consents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return self.refused or bool(self.categories) or bool(self.actors)


def consent_status(consents: list[dict[str, Any]]) -> ConsentStatus:
    status = ConsentStatus(consents=consents)
    now = now_us()
    for consent in consents:
        for rule in rules_from_consent(consent, now):
            if rule.effective_from > now or (rule.effective_to is not None and rule.effective_to <= now):
                continue
            if rule.kind == "refuse":
                status.refused = True
            elif rule.kind == "category" and rule.label and rule.label not in status.categories:
                status.categories.append(rule.label)
            elif rule.kind == "actor" and rule.actor and rule.actor not in status.actors:
                status.actors.append(rule.actor)
    return status
