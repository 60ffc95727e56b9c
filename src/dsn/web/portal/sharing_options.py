"""Whom a patient may restrict: the organizations and practitioners that appear in their record.

Taken from the record's own access history (one ``$access-log`` read of the most recent
accesses): everyone who wrote a part of the record or read it is there, with their
organization, which is exactly who a patient thinks of restricting. Organization names
come from the directory. The same list validates the form, so a posted value is always
one the page offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsn.service.audit_access import access_log
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.web.clinical.sources import source_names
from dsn.web.portal.access_history import interpret

EVENTS_READ = 500


@dataclass(frozen=True, slots=True)
class ActorOption:
    reference: str  # Organization/… or Practitioner/…
    name: str
    detail: str  # role and organization of a practitioner, region of an organization ('' when unknown)
    role: str | None = None


@dataclass(slots=True)
class ActorOptions:
    organizations: list[ActorOption]
    practitioners: list[ActorOption]

    def find(self, reference: str) -> ActorOption | None:
        return next((o for o in (*self.organizations, *self.practitioners) if o.reference == reference), None)


def actor_options(
    service: RecordService, ctx: RequestContext, patient_id: str, *, exclude: set[str] | frozenset[str] = frozenset()
) -> ActorOptions:
    bundle = access_log(service, ctx, patient_id, {"_count": str(EVENTS_READ)})
    organizations: dict[str, str | None] = {}
    practitioners: dict[str, tuple[str, str | None, str | None]] = {}
    for entry in bundle.get("entry") or []:
        row = interpret(entry["resource"], user_id="")
        if row.role == "patient":
            continue
        if row.organization:
            organizations.setdefault(row.organization, row.region)
        if row.practitioner and row.practitioner not in practitioners:
            practitioners[row.practitioner] = (row.who, row.role, row.organization)
    names = source_names(
        service,
        [*organizations.items(), *((org, None) for _, _, org in practitioners.values() if org)],
    )
    org_options = []
    for org_id, region in organizations.items():
        source = names.of(org_id, region)
        org_options.append(ActorOption(f"Organization/{org_id}", source.organization or org_id, source.region or ""))
    prac_options = [
        ActorOption(reference, name, names.of(org, None).organization or "" if org else "", role)
        for reference, (name, role, org) in practitioners.items()
    ]
    return ActorOptions(
        sorted((o for o in org_options if o.reference not in exclude), key=lambda o: o.name.casefold()),
        sorted((o for o in prac_options if o.reference not in exclude), key=lambda o: o.name.casefold()),
    )
