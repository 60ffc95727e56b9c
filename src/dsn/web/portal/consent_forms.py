"""My sharing choices: read from my active Consent resources, changed by writing new ones.

Each choice the portal makes is one FHIR Consent, shaped exactly as
:mod:`dsn.security.consent` reads it (status ``active``, scope ``patient-privacy``,
``patient`` = the record's Patient, ``dateTime`` = now, ``performer`` = who decided, and
one ``deny`` provision):

* refusal of all sharing: ``provision = {type: deny}`` (no label, no actor);
* a category restricted for everyone: ``{type: deny, securityLabel: [ActCode PSY|ETH|HIV|STD|SEX]}``;
* a provider or an organization restricted from the whole record:
  ``{type: deny, actor: [{role: IRCP, reference: Practitioner/… or Organization/…}]}``.

One Consent per choice makes each one withdrawable on its own and leaves a readable
history. Withdrawing sets the Consent ``inactive`` (patients may not delete); when a
Consent written elsewhere expresses several rules and only one is withdrawn, the others
are written again as Consents of their own in the same transaction, so nothing else
changes. No ``provision.period`` is set: a choice holds from the very next request, on
every server, whatever their clocks.

Every change runs in one write transaction (:meth:`RecordService.writing`): the service
derives the consent rules and audits the write in it, and the choices it starts from
are read in it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from dsn.audit.record import USER_SYSTEM
from dsn.security.consent import ACTOR_TYPES, rules_from_consent
from dsn.security.users import User
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.store.clock import now_us, to_instant
from dsn.store.records import StoredResource
from dsn.store.session import StoreSession
from dsn.web.clinical.consent_status import CATEGORY_LABELS
from dsn.web.clinical.sources import source_names

ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SCOPE: Final = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]}
CATEGORY: Final = [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}]
POLICY_RULE: Final = {"text": "Loi sur les renseignements de santé et de services sociaux (Québec)"}
RECIPIENT_ROLE: Final = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": "IRCP",
            "display": "information recipient",
        }
    ]
}
MAX_CONSENTS = 200


@dataclass(frozen=True, slots=True)
class Choice:
    """One rule of one active Consent, as the page lists it (with its own withdraw button)."""

    consent_id: str
    kind: str  # refuse | category | actor
    label: str | None
    actor: str | None
    actor_name: str | None
    decided: str | None  # Consent.dateTime
    starts: int  # µs; 0 = always
    ends: int | None
    state: str  # in_force | future | ended

    @property
    def key(self) -> str:
        """What the withdraw form names (with the Consent id)."""
        return "|".join((self.kind, self.label or "", self.actor or ""))

    @property
    def starts_at(self) -> str | None:
        return to_instant(self.starts) if self.starts else None

    @property
    def ends_at(self) -> str | None:
        return to_instant(self.ends) if self.ends is not None else None


@dataclass(slots=True)
class Choices:
    items: list[Choice] = field(default_factory=list)
    consents: dict[str, StoredResource] = field(default_factory=dict)

    def current(self) -> list[Choice]:
        return [c for c in self.items if c.state != "ended"]

    @property
    def refused(self) -> bool:
        return any(c.kind == "refuse" and c.state == "in_force" for c in self.items)

    @property
    def categories(self) -> set[str]:
        """Categories restricted for everyone (in force or to come)."""
        return {c.label for c in self.current() if c.kind == "category" and c.actor is None and c.label}

    @property
    def actors(self) -> set[str]:
        return {c.actor for c in self.current() if c.kind == "actor" and c.actor}


def load_choices(
    service: RecordService, ctx: RequestContext, patient_id: str, *, session: StoreSession | None = None
) -> Choices:
    """The rules of the patient's active Consents (one search, one directory lookup)."""
    outcome = service.search(
        ctx,
        "Consent",
        [("patient", patient_id), ("status", "active"), ("_count", str(MAX_CONSENTS))],
        session=session,
    )
    now = now_us()
    choices = Choices()
    found: list[tuple[StoredResource, Any]] = []
    for stored in outcome.result.matches:
        if stored.res_type != "Consent" or stored.patient_key != patient_id:
            continue
        choices.consents[stored.res_id] = stored
        found.extend((stored, rule) for rule in rules_from_consent(stored.resource or {}, now))
    organizations = sorted({r.actor for _, r in found if r.actor and r.actor.startswith("Organization/")})
    names = source_names(service, [(ref.split("/", 1)[1], None) for ref in organizations]) if organizations else None
    for stored, rule in found:
        body = stored.resource or {}
        actor_name = _actor_display(body, rule.actor)
        if actor_name is None and rule.actor and names is not None and rule.actor.startswith("Organization/"):
            actor_name = names.of(rule.actor.split("/", 1)[1], None).organization
        if rule.effective_to is not None and rule.effective_to <= now:
            state = "ended"
        elif rule.effective_from > now:
            state = "future"
        else:
            state = "in_force"
        decided = body.get("dateTime") if isinstance(body.get("dateTime"), str) else None
        choices.items.append(
            Choice(
                stored.res_id,
                rule.kind,
                rule.label,
                rule.actor,
                actor_name,
                decided,
                rule.effective_from,
                rule.effective_to,
                state,
            )
        )
    choices.items.sort(
        key=lambda c: ({"refuse": 0, "category": 1, "actor": 2}.get(c.kind, 3), c.label or "", c.actor or "")
    )
    return choices


def _actor_display(consent: dict[str, Any], actor: str | None) -> str | None:
    if actor is None:
        return None
    provisions = [consent.get("provision") or {}, *((consent.get("provision") or {}).get("provision") or [])]
    for provision in provisions:
        for entry in provision.get("actor") or [] if isinstance(provision, dict) else []:
            reference = entry.get("reference") if isinstance(entry, dict) else None
            if isinstance(reference, dict) and reference.get("reference") == actor and reference.get("display"):
                return str(reference["display"])
    return None


# -- the Consents the portal writes -------------------------------------------------------


def performer(user: User, patient_id: str) -> dict[str, Any]:
    """Who decided: the patient, or the parent acting for a child (by their account)."""
    if user.patient_id == patient_id:
        return {"reference": f"Patient/{patient_id}", "display": user.display_name}
    return {"identifier": {"system": USER_SYSTEM, "value": user.id}, "display": user.display_name}


def consent_resource(
    patient_id: str,
    decided_by: dict[str, Any],
    *,
    label: str | None = None,
    actor: str | None = None,
    actor_name: str | None = None,
    starts: int = 0,
    ends: int | None = None,
) -> dict[str, Any]:
    """An active patient-privacy Consent with one deny provision (see the module docstring)."""
    provision: dict[str, Any] = {"type": "deny"}
    if starts or ends is not None:
        provision["period"] = {k: to_instant(v) for k, v in (("start", starts), ("end", ends)) if v}
    if actor:
        reference: dict[str, Any] = {"reference": actor}
        if actor_name:
            reference["display"] = actor_name
        provision["actor"] = [{"role": RECIPIENT_ROLE, "reference": reference}]
    if label:
        provision["securityLabel"] = [{"system": ACT_CODE, "code": label}]
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": SCOPE,
        "category": CATEGORY,
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": to_instant(now_us()),
        "performer": [decided_by],
        "policyRule": POLICY_RULE,
        "provision": provision,
    }


def valid_actor(reference: str) -> bool:
    kind, _, res_id = reference.partition("/")
    return kind in ACTOR_TYPES and 0 < len(res_id) <= 64 and all(c.isalnum() or c in "-." for c in res_id)


# -- changes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """What a form did: Consents written and rules withdrawn (both 0: nothing to do)."""

    created: int = 0
    withdrawn: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.withdrawn)


def refuse_all(service: RecordService, ctx: RequestContext, patient_id: str, decided_by: dict[str, Any]) -> Change:
    with service.writing() as session:
        choices = load_choices(service, ctx, patient_id, session=session)
        if choices.refused:
            return Change()
        service.create(ctx, "Consent", consent_resource(patient_id, decided_by), session=session)
    return Change(created=1)


def withdraw_refusal(
    service: RecordService, ctx: RequestContext, patient_id: str, decided_by: dict[str, Any]
) -> Change:
    with service.writing() as session:
        choices = load_choices(service, ctx, patient_id, session=session)
        return _withdraw(service, ctx, session, choices, patient_id, decided_by, lambda c: c.kind == "refuse")


def set_categories(
    service: RecordService, ctx: RequestContext, patient_id: str, decided_by: dict[str, Any], wanted: set[str]
) -> Change:
    """Make the categories restricted for everyone exactly ``wanted``."""
    wanted = {label for label in wanted if label in CATEGORY_LABELS}
    with service.writing() as session:
        choices = load_choices(service, ctx, patient_id, session=session)
        current = choices.categories
        for label in sorted(wanted - current):
            service.create(ctx, "Consent", consent_resource(patient_id, decided_by, label=label), session=session)
        removed = current - wanted
        change = _withdraw(
            service,
            ctx,
            session,
            choices,
            patient_id,
            decided_by,
            lambda c: c.kind == "category" and c.actor is None and c.label in removed,
        )
    return Change(created=len(wanted - current) + change.created, withdrawn=change.withdrawn)


def restrict_actor(
    service: RecordService,
    ctx: RequestContext,
    patient_id: str,
    decided_by: dict[str, Any],
    actor: str,
    actor_name: str | None,
) -> Change:
    with service.writing() as session:
        choices = load_choices(service, ctx, patient_id, session=session)
        if actor in choices.actors:
            return Change()
        body = consent_resource(patient_id, decided_by, actor=actor, actor_name=actor_name)
        service.create(ctx, "Consent", body, session=session)
    return Change(created=1)


def withdraw_choice(
    service: RecordService,
    ctx: RequestContext,
    patient_id: str,
    decided_by: dict[str, Any],
    consent_id: str,
    key: str,
) -> Change | None:
    """Withdraw one listed choice; None when the patient has no such choice (never another's)."""
    with service.writing() as session:
        choices = load_choices(service, ctx, patient_id, session=session)
        if not any(c.consent_id == consent_id and c.key == key for c in choices.items):
            return None
        return _withdraw(
            service,
            ctx,
            session,
            choices,
            patient_id,
            decided_by,
            lambda c: c.consent_id == consent_id and c.key == key,
        )


def _withdraw(
    service: RecordService,
    ctx: RequestContext,
    session: StoreSession,
    choices: Choices,
    patient_id: str,
    decided_by: dict[str, Any],
    selected: Callable[[Choice], bool],
) -> Change:
    """Set each Consent holding a selected rule inactive; write its other rules again."""
    targets = [c for c in choices.items if selected(c)]
    created = 0
    for consent_id in dict.fromkeys(c.consent_id for c in targets):
        stored = choices.consents[consent_id]
        body = {**(stored.resource or {}), "status": "inactive"}
        service.update(ctx, "Consent", consent_id, body, if_match=f'W/"{stored.version}"', session=session)
        for kept in choices.items:
            if kept.consent_id != consent_id or selected(kept) or kept.state == "ended":
                continue
            service.create(
                ctx,
                "Consent",
                consent_resource(
                    patient_id,
                    decided_by,
                    label=kept.label,
                    actor=kept.actor,
                    actor_name=kept.actor_name,
                    starts=kept.starts,
                    ends=kept.ends,
                ),
                session=session,
            )
            created += 1
    return Change(created=created, withdrawn=len(targets))
