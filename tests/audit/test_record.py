"""Audit records and their AuditEvents (IHE BALP), each of which validates as R4."""

from __future__ import annotations

import base64

import pytest

from dsn.audit import Agent, AuditRecord
from dsn.audit.record import SYSTEM_AGENT
from dsn.fhir.validation import validate_resource
from dsn.service.context import Caller, RequestContext
from tests.audit.support import NURSE, PHYSICIAN

PATIENT_USER = Agent(kind="user", user_id="u-pat", display="Jean Roy", role="patient", fhir_user="Patient/pat-1")
BACKEND = Agent(kind="client", user_id="lab-feed", client_id="lab-feed", network_address="2001:db8::7")
ANONYMOUS = Agent(kind="anonymous", user_id="anonymous", network_address="proxy.example.qc.ca")

KINDS = [
    AuditRecord(PHYSICIAN, "read", patient_ids=("p1",), entities=("Observation/o1",), request_id="req-1"),
    AuditRecord(PHYSICIAN, "vread", patient_ids=("p1",), entities=("Observation/o1/_history/2",)),
    AuditRecord(
        NURSE, "search-type", patient_ids=("p1", "p2"), resource_type="Observation", query="code=http://loinc.org|1"
    ),
    AuditRecord(PHYSICIAN, "search-system", query="_lastUpdated=gt2026-01-01"),
    AuditRecord(PHYSICIAN, "create", patient_ids=("p1",), entities=("Condition/c1",)),
    AuditRecord(PHYSICIAN, "update", patient_ids=("p1",), entities=("Condition/c1/_history/2",)),
    AuditRecord(PHYSICIAN, "patch", patient_ids=("p1",), entities=("Condition/c1",)),
    AuditRecord(PHYSICIAN, "delete", patient_ids=("p1",), entities=("Condition/c1",)),
    AuditRecord(PHYSICIAN, "history", patient_ids=("p1",), entities=("Patient/p1",)),
    AuditRecord(PHYSICIAN, "transaction", patient_ids=("p1",), entities=("Patient/p1", "Encounter/e1")),
    AuditRecord(PHYSICIAN, "$everything", patient_ids=("p1",), entities=("Patient/p1",)),
    AuditRecord(PATIENT_USER, "read", patient_ids=("pat-1",), entities=("Patient/pat-1",)),
    AuditRecord(PATIENT_USER, "login", detail="password + TOTP"),
    AuditRecord(PATIENT_USER, "logout"),
    AuditRecord(BACKEND, "token", detail="client_credentials"),
    AuditRecord(ANONYMOUS, "login", outcome=4, detail="bad password"),
    AuditRecord(
        NURSE,
        "break-glass",
        patient_ids=("p1",),
        break_glass=True,
        detail="ETREAT: patient unconscious in ER",
    ),
    AuditRecord(NURSE, "read", patient_ids=("p1",), entities=("Observation/o9",), break_glass=True),
    AuditRecord(PATIENT_USER, "consent", patient_ids=("pat-1",), entities=("Consent/k1",)),
    AuditRecord(PHYSICIAN, "export", patient_ids=("p1",), query="_type=Observation", outcome=8, detail="timeout"),
    AuditRecord(SYSTEM_AGENT, "review", patient_ids=("p1",), entities=("AuditEvent/17",), detail="justified"),
    AuditRecord(SYSTEM_AGENT, "reindex", outcome=12, detail="crashed"),
]


@pytest.mark.parametrize("record", KINDS, ids=[f"{r.subtype}-{r.agent.kind}-{i}" for i, r in enumerate(KINDS)])
def test_every_kind_of_record_gives_a_valid_audit_event(record: AuditRecord) -> None:
    event = record.to_event(42)
    assert validate_resource(event) == []
    assert event["id"] == "42"
    assert event["action"] == record.action
    assert event["outcome"] == str(record.outcome)


def test_actions_follow_balp() -> None:
    actions = {record.subtype: record.action for record in KINDS}
    assert actions["read"] == "R"
    assert actions["search-type"] == "E"
    assert actions["create"] == "C"
    assert actions["update"] == actions["patch"] == "U"
    assert actions["delete"] == "D"
    assert actions["$everything"] == "E"


def test_read_event_names_user_client_server_patient_resource_and_request() -> None:
    event = KINDS[0].to_event(1)
    assert event["type"]["code"] == "rest"
    assert event["subtype"] == [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}]
    user, client, server = event["agent"]
    assert user["requestor"] is True
    assert user["who"]["reference"] == "Practitioner/pr-1"
    assert user["who"]["identifier"]["value"] == "u-tremblay"
    assert user["role"][0]["coding"][0]["code"] == "physician"
    assert {e["url"].rsplit("/", 1)[1]: e for e in user["extension"]}.keys() == {
        "audit-agent-organization",
        "audit-agent-region",
    }
    assert user["purposeOfUse"][0]["coding"][0]["code"] == "TREAT"
    assert client["type"]["coding"][0]["code"] == "110153"
    assert client["network"] == {"address": "10.1.2.3", "type": "2"}
    assert client["who"]["identifier"]["value"] == "chart"
    assert server["type"]["coding"][0]["code"] == "110152"
    patient, resource, request = event["entity"]
    assert patient["what"]["reference"] == "Patient/p1"
    assert (patient["type"]["code"], patient["role"]["code"]) == ("1", "1")
    assert resource["what"]["reference"] == "Observation/o1"
    assert (resource["type"]["code"], resource["role"]["code"]) == ("2", "4")
    assert request["what"]["identifier"]["value"] == "req-1"
    assert request["type"]["code"] == "XrequestId"


def test_search_event_carries_the_query_in_base64() -> None:
    event = KINDS[2].to_event(1)
    query = [e for e in event["entity"] if e.get("role", {}).get("code") == "24"]
    assert base64.b64decode(query[0]["query"]).decode() == "code=http://loinc.org|1"
    assert [e["what"]["reference"] for e in event["entity"] if "what" in e] == ["Patient/p1", "Patient/p2"]


def test_break_glass_is_a_purpose_of_use_and_an_emergency_override() -> None:
    event = KINDS[16].to_event(1)
    assert event["type"]["code"] == "110113"
    assert event["subtype"][0]["code"] == "110127"
    assert "BTG" in [p["coding"][0]["code"] for p in event["purposeOfEvent"]]


def test_patient_user_and_network_names() -> None:
    patient_event = KINDS[11].to_event(1)
    assert patient_event["agent"][0]["type"]["coding"][0]["code"] == "PAT"
    assert [e["what"]["reference"] for e in patient_event["entity"]] == ["Patient/pat-1"]  # not twice
    assert KINDS[14].to_event(1)["agent"][1]["network"]["type"] == "2"  # IPv6
    assert KINDS[15].to_event(1)["agent"][1]["network"]["type"] == "1"  # host name


def test_record_from_request_context() -> None:
    caller = Caller(
        kind="user",
        subject="u1",
        display="Dr A",
        role="physician",
        organization="o1",
        region="06",
        client_id="app",
        fhir_user="Practitioner/x",
    )
    ctx = RequestContext(caller=caller, request_id="rq", remote_addr="127.0.0.1", purpose_of_use=("ETREAT",))
    record = AuditRecord.for_request(ctx, "read", patient_ids=["p"], entities=["Patient/p"])
    assert record.agent == Agent(
        "user", "u1", "Dr A", "physician", "o1", "06", "app", "127.0.0.1", ("ETREAT",), "Practitioner/x"
    )
    assert record.action == "R"
    assert record.request_id == "rq"


def test_invalid_records_are_refused() -> None:
    with pytest.raises(ValueError):
        AuditRecord(PHYSICIAN, "read", action="X")
    with pytest.raises(ValueError):
        AuditRecord(PHYSICIAN, "read", outcome=3)
    with pytest.raises(ValueError):
        AuditRecord(PHYSICIAN, "")


def test_duplicates_are_dropped_and_types_collected() -> None:
    record = AuditRecord(
        PHYSICIAN,
        "transaction",
        patient_ids=("p1", "p1", ""),
        entities=("Observation/o1", "Observation/o1/_history/2", "Condition/c1"),
        resource_type="Bundle",
    )
    assert record.patient_ids == ("p1",)
    assert record.resource_types() == ("Bundle", "Condition", "Observation")
