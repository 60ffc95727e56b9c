"""One audit record, and its FHIR R4 AuditEvent form following IHE BALP.

An :class:`AuditRecord` says who (the :class:`Agent`: user, role, organization,
region, client application, network address, purpose of use), did what (action code
and subtype), to which patients and resources, when, and with what outcome. It is
stored as the columns of ``audit_log`` (which the hash chain covers), and the
AuditEvent served over FHIR is derived from them (:meth:`AuditRecord.from_row` then
:meth:`AuditRecord.to_event`): the same columns always give the same AuditEvent, so
storing the JSON as well would only multiply the size of a log that grows with every
access.

The AuditEvent follows the IHE Basic Audit Log Patterns (BALP): ``type``/``subtype``
from ``audit-event-type`` + ``restful-interaction`` (DICOM codes for login, logout,
emergency override and export), the client as Source Role ID (DICOM 110153) with its
network address, the server as Destination Role ID (110152), the user as the
requestor, one ``entity`` per patient (Person / Patient role), one per resource
(System Object / Domain Resource), the query of a search (role Query, base64), and the
request id as BALP's ``XrequestId`` transaction entity.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from dsn.store.clock import now_us, to_instant

if TYPE_CHECKING:
    from dsn.service.context import RequestContext

DSN: Final = "https://dsn.quebec/fhir"
USER_SYSTEM: Final = f"{DSN}/NamingSystem/user"
CLIENT_SYSTEM: Final = f"{DSN}/NamingSystem/client"
DEVICE_SYSTEM: Final = f"{DSN}/NamingSystem/device"
ROLE_SYSTEM: Final = f"{DSN}/CodeSystem/role"
EVENT_SYSTEM: Final = f"{DSN}/CodeSystem/audit-event"
ORGANIZATION_EXTENSION: Final = f"{DSN}/StructureDefinition/audit-agent-organization"
REGION_EXTENSION: Final = f"{DSN}/StructureDefinition/audit-agent-region"

AUDIT_EVENT_TYPE: Final = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL_INTERACTION: Final = "http://hl7.org/fhir/restful-interaction"
DICOM: Final = "http://dicom.nema.org/resources/ontology/DCM"
PARTICIPATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ROLE_CLASS: Final = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
ACT_REASON: Final = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ENTITY_TYPE: Final = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE: Final = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/security-source-type"
BALP_ENTITY_TYPE: Final = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"

ACTIONS: Final = frozenset("CRUDE")
OUTCOMES: Final = {0: "success", 4: "minor failure", 8: "serious failure", 12: "major failure"}

# RESTful interactions (restful-interaction code system) and their action codes. BALP
# records searches with action E (execute), reads with R.
REST_ACTIONS: Final = {
    "read": "R",
    "vread": "R",
    "history": "R",
    "history-instance": "R",
    "history-type": "R",
    "history-system": "R",
    "search": "E",
    "search-type": "E",
    "search-system": "E",
    "capabilities": "R",
    "create": "C",
    "update": "U",
    "patch": "U",
    "delete": "D",
    "transaction": "E",
    "batch": "E",
    "operation": "E",
}
# Security and lifecycle events outside REST: (type, subtype) codings.
_REST_TYPE: Final = (AUDIT_EVENT_TYPE, "rest", "Restful Operation")
_USER_AUTH: Final = (DICOM, "110114", "User Authentication")
SPECIAL_EVENTS: Final[dict[str, tuple[tuple[str, str, str], tuple[str, str, str], str]]] = {
    "login": (_USER_AUTH, (DICOM, "110122", "Login"), "E"),
    "logout": (_USER_AUTH, (DICOM, "110123", "Logout"), "E"),
    "token": (_USER_AUTH, (EVENT_SYSTEM, "token", "Access token issued"), "E"),
    "break-glass": (
        (DICOM, "110113", "Security Alert"),
        (DICOM, "110127", "Emergency Override Started"),
        "E",
    ),
    "export": ((DICOM, "110106", "Export"), (EVENT_SYSTEM, "export", "Export"), "R"),
    "consent": ((EVENT_SYSTEM, "consent", "Consent directive"), (EVENT_SYSTEM, "consent", "Consent directive"), "U"),
    "review": (
        (EVENT_SYSTEM, "review", "Privacy review"),
        (EVENT_SYSTEM, "break-glass-review", "Break-the-glass review"),
        "E",
    ),
}
# Reference types R4 allows in AuditEvent.agent.who.
_WHO_TYPES: Final = frozenset(
    {"PractitionerRole", "Practitioner", "Organization", "Device", "Patient", "RelatedPerson"}
)
_REFERENCE: Final = re.compile(r"(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


def default_action(subtype: str) -> str:
    """The BALP action code of a subtype (``E`` for operations and unknown events)."""
    if subtype in REST_ACTIONS:
        return REST_ACTIONS[subtype]
    if subtype in SPECIAL_EVENTS:
        return SPECIAL_EVENTS[subtype][2]
    return "E"


@dataclass(frozen=True, slots=True)
class Agent:
    """Who acted: the person (or service) behind the request, and from where, and why.

    ``kind`` is the :class:`~dsn.service.context.Caller` kind (user, client, system,
    anonymous); ``user_id`` its subject; ``fhir_user`` its FHIR identity
    (``Practitioner/…``) when known.
    """

    kind: str = "system"
    user_id: str = "dsn"
    display: str = ""
    role: str | None = None
    organization: str | None = None
    region: str | None = None
    client_id: str | None = None
    network_address: str | None = None
    purpose_of_use: tuple[str, ...] = ()
    fhir_user: str | None = None

    @classmethod
    def from_context(cls, ctx: RequestContext) -> Agent:
        caller = ctx.caller
        return cls(
            kind=caller.kind,
            user_id=caller.subject,
            display=caller.display,
            role=caller.role,
            organization=caller.organization,
            region=caller.region,
            client_id=caller.client_id,
            network_address=ctx.remote_addr,
            purpose_of_use=tuple(ctx.purpose_of_use),
            fhir_user=caller.fhir_user,
        )


SYSTEM_AGENT: Final = Agent(kind="system", user_id="dsn", display="DSN server", role="system")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audited interaction.

    ``action``: C, R, U, D or E (derived from ``subtype`` when empty). ``subtype``: a
    RESTful interaction (read, vread, search-type, create, update, patch, delete,
    history…), an operation name (``$everything``) or a security event (login, logout,
    token, break-glass, consent, export, review). ``outcome``: 0 success, 4 minor
    failure (e.g. refused by policy), 8 serious, 12 major. ``entities``: references
    ``Type/id[/_history/n]``; ``resource_type``: the type searched or operated on when
    no entity names it. ``recorded``: microseconds since the epoch, defaulting to the
    moment the record is built.
    """

    agent: Agent
    subtype: str
    action: str = ""
    outcome: int = 0
    patient_ids: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    resource_type: str | None = None
    query: str | None = None
    request_id: str = ""
    break_glass: bool = False
    detail: str | None = None
    recorded: int = field(default_factory=now_us)

    def __post_init__(self) -> None:
        if not self.action:
            object.__setattr__(self, "action", default_action(self.subtype))
        if self.action not in ACTIONS:
            raise ValueError(f"audit action must be one of C, R, U, D, E, not {self.action!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"audit outcome must be 0, 4, 8 or 12, not {self.outcome!r}")
        if not self.subtype:
            raise ValueError("an audit record needs a subtype")
        object.__setattr__(self, "patient_ids", _unique(self.patient_ids))
        object.__setattr__(self, "entities", _unique(self.entities))

    @classmethod
    def for_request(
        cls,
        ctx: RequestContext,
        subtype: str,
        *,
        action: str = "",
        outcome: int = 0,
        patient_ids: Iterable[str] = (),
        entities: Iterable[str] = (),
        resource_type: str | None = None,
        query: str | None = None,
        break_glass: bool = False,
        detail: str | None = None,
    ) -> AuditRecord:
        """The record of one interaction made under ``ctx`` (agent and request id from it)."""
        return cls(
            agent=Agent.from_context(ctx),
            subtype=subtype,
            action=action,
            outcome=outcome,
            patient_ids=tuple(patient_ids),
            entities=tuple(entities),
            resource_type=resource_type,
            query=query,
            request_id=ctx.request_id,
            break_glass=break_glass,
            detail=detail,
        )

    @classmethod
    def from_row(cls, row: Any) -> AuditRecord:
        """The record stored in an ``audit_log`` row (``resource_type`` is folded into ``res_types``)."""
        return cls(
            agent=Agent(
                kind=row.agent_kind,
                user_id=row.user_id,
                display=row.user_display or "",
                role=row.role,
                organization=row.organization,
                region=row.region,
                client_id=row.client_id,
                network_address=row.network,
                purpose_of_use=tuple((row.purpose or "").split()),
                fhir_user=row.user_ref,
            ),
            subtype=row.subtype,
            action=row.action,
            outcome=row.outcome,
            patient_ids=tuple((row.patients or "").split()),
            entities=tuple((row.entities or "").split()),
            query=row.query,
            request_id=row.request_id or "",
            break_glass=bool(row.break_glass),
            detail=row.detail,
            recorded=row.recorded,
        )

    def resource_types(self) -> tuple[str, ...]:
        """The distinct resource types the record touches (for the access report)."""
        types = {match.group(1) for ref in self.entities if (match := _REFERENCE.match(ref))}
        if self.resource_type:
            types.add(self.resource_type)
        return tuple(sorted(types))

    def columns(self) -> dict[str, Any]:
        """The queryable columns of ``audit_log`` (all but seq, event and the hashes)."""
        agent = self.agent
        return {
            "recorded": self.recorded,
            "action": self.action,
            "subtype": self.subtype,
            "outcome": self.outcome,
            "agent_kind": agent.kind,
            "user_id": agent.user_id,
            "user_display": agent.display or None,
            "user_ref": agent.fhir_user,
            "role": agent.role,
            "organization": agent.organization,
            "region": agent.region,
            "client_id": agent.client_id,
            "network": agent.network_address,
            "purpose": " ".join(agent.purpose_of_use) or None,
            "patients": " ".join(self.patient_ids) or None,
            "entities": " ".join(self.entities) or None,
            "res_types": " ".join(self.resource_types()) or None,
            "query": self.query,
            "request_id": self.request_id or None,
            "break_glass": self.break_glass,
            "detail": self.detail,
        }

    def to_event(self, seq: int | None = None) -> dict[str, Any]:
        """The R4 AuditEvent (BALP) for this record; ``id`` is the chain seq when given.

        It depends only on what :meth:`columns` stores, so a stored record always
        yields the same AuditEvent.
        """
        body: dict[str, Any] = {"resourceType": "AuditEvent"}
        if seq is not None:
            body["id"] = str(seq)
        type_coding, subtypes = _type_and_subtypes(self.subtype)
        body |= {
            "type": type_coding,
            "subtype": subtypes,
            "action": self.action,
            "recorded": to_instant(self.recorded),
            "outcome": str(self.outcome),
        }
        if self.detail:
            body["outcomeDesc"] = self.detail
        purposes = [_purpose(code) for code in self.agent.purpose_of_use]
        if self.break_glass and "BTG" not in self.agent.purpose_of_use:
            purposes.append(_purpose("BTG"))
        if purposes:
            body["purposeOfEvent"] = purposes
        body["agent"] = self._agents(purposes)
        body["source"] = {
            "site": "DSN",
            "observer": {"identifier": {"system": DEVICE_SYSTEM, "value": "dsn"}, "display": "DSN"},
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        }
        entities = self._entities()
        if entities:
            body["entity"] = entities
        return body

    def _agents(self, purposes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        agent = self.agent
        user: dict[str, Any] = {"type": {"coding": [self._user_agent_type()]}}
        if agent.role:
            user["role"] = [{"coding": [_coding(ROLE_SYSTEM, agent.role)]}]
        who: dict[str, Any] = {}
        if agent.fhir_user and (match := _REFERENCE.match(agent.fhir_user)) and match.group(1) in _WHO_TYPES:
            who["reference"] = f"{match.group(1)}/{match.group(2)}"
        who["identifier"] = {"system": USER_SYSTEM, "value": agent.user_id}
        if agent.display:
            who["display"] = agent.display
        user["who"] = who
        user["requestor"] = True
        if purposes:
            user["purposeOfUse"] = purposes
        extensions = []
        if agent.organization:
            extensions.append(
                {"url": ORGANIZATION_EXTENSION, "valueReference": {"reference": f"Organization/{agent.organization}"}}
            )
        if agent.region:
            extensions.append({"url": REGION_EXTENSION, "valueCode": agent.region})
        if extensions:
            user = {"extension": extensions, **user}
        agents = [user]
        if agent.client_id or agent.network_address:
            client: dict[str, Any] = {"type": {"coding": [_coding(DICOM, "110153", "Source Role ID")]}}
            if agent.client_id:
                client["who"] = {"identifier": {"system": CLIENT_SYSTEM, "value": agent.client_id}}
            client["requestor"] = False
            if agent.network_address:
                client["network"] = {"address": agent.network_address, "type": _network_type(agent.network_address)}
            agents.append(client)
        agents.append(
            {
                "type": {"coding": [_coding(DICOM, "110152", "Destination Role ID")]},
                "who": {"identifier": {"system": DEVICE_SYSTEM, "value": "dsn"}, "display": "DSN"},
                "requestor": False,
            }
        )
        return agents

    def _user_agent_type(self) -> dict[str, str]:
        """BALP user-agent types: the patient themself, else recipient (reads) or author (writes)."""
        if self.agent.role == "patient":
            return _coding(ROLE_CLASS, "PAT", "patient")
        if self.action in ("C", "U", "D"):
            return _coding(PARTICIPATION, "AUT", "author (originator)")
        return _coding(PARTICIPATION, "IRCP", "information recipient")

    def _entities(self) -> list[dict[str, Any]]:
        entities = [
            {
                "what": {"reference": f"Patient/{patient}"},
                "type": _coding(ENTITY_TYPE, "1", "Person"),
                "role": _coding(OBJECT_ROLE, "1", "Patient"),
            }
            for patient in self.patient_ids
        ]
        patients = {f"Patient/{patient}" for patient in self.patient_ids}
        for ref in self.entities:
            if ref in patients:
                continue  # the patient entity already names it
            entities.append(
                {
                    "what": {"reference": ref},
                    "type": _coding(ENTITY_TYPE, "2", "System Object"),
                    "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
                }
            )
        if self.query is not None:
            query: dict[str, Any] = {
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "24", "Query"),
            }
            query["query"] = base64.b64encode(self.query.encode()).decode()
            entities.append(query)
        if self.request_id:
            entities.append(
                {
                    "what": {"identifier": {"value": self.request_id}},
                    "type": _coding(BALP_ENTITY_TYPE, "XrequestId", "X-Request-Id"),
                }
            )
        return entities


def _type_and_subtypes(subtype: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    if subtype in REST_ACTIONS:
        return _coding(*_REST_TYPE), [_coding(RESTFUL_INTERACTION, subtype)]
    if subtype.startswith("$"):
        return _coding(*_REST_TYPE), [_coding(RESTFUL_INTERACTION, "operation"), _coding(EVENT_SYSTEM, subtype)]
    if subtype in SPECIAL_EVENTS:
        kind, sub, _action = SPECIAL_EVENTS[subtype]
        return _coding(*kind), [_coding(*sub)]
    return _coding(EVENT_SYSTEM, subtype), [_coding(EVENT_SYSTEM, subtype)]


def _purpose(code: str) -> dict[str, Any]:
    """A purpose of use: ``system|code`` or a bare v3 ActReason code (TREAT, ETREAT, BTG…)."""
    system, _, bare = code.rpartition("|")
    return {"coding": [_coding(system or ACT_REASON, bare)]}


def _network_type(address: str) -> str:
    """R4 network-type: 2 for an IP address, 1 for a machine name."""
    try:
        ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return "1"
    return "2"


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))
