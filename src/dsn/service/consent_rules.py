"""Keep ``consent_rule`` in step with Consent resources, inside the writing transaction."""

from __future__ import annotations

from sqlalchemy import delete

from dsn.security.consent import rules_from_consent
from dsn.store.clock import now_us
from dsn.store.consent_schema import consent_rule
from dsn.store.records import StoredResource
from dsn.store.session import StoreSession


def sync_consent_rules(session: StoreSession, stored: StoredResource) -> None:
    """Replace the rules derived from this Consent (none once it is deleted or inactive)."""
    if stored.pk is None:
        session.flush()
    assert stored.pk is not None
    session.conn.execute(delete(consent_rule).where(consent_rule.c.consent_pk == stored.pk))
    if stored.deleted or stored.resource is None or stored.patient_key is None:
        return
    rules = rules_from_consent(stored.resource, now_us())
    if rules:
        session.conn.execute(
            consent_rule.insert(),
            [
                {
                    "consent_pk": stored.pk,
                    "patient_id": stored.patient_key,
                    "kind": rule.kind,
                    "label": rule.label,
                    "actor": rule.actor,
                    "effective_from": rule.effective_from,
                    "effective_to": rule.effective_to,
                }
                for rule in rules
            ],
        )
