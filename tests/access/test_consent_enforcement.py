"""Consent enforcement matrix: each kind of refusal or restriction × each access path ×
(with and without break-the-glass). Restricted data never appears, and counts agree.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from dsn.service.break_glass import break_glass
from dsn.service.context import Caller, RequestContext, system_context
from dsn.service.errors import FhirError
from dsn.service.patient_operations import patient_everything
from dsn.service.records import RecordService
from dsn.store.security_schema import region

SNOMED = "http://snomed.info/sct"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def ctx(caller: Caller) -> RequestContext:
    return RequestContext(caller=caller)


NURSE = Caller(
    kind="user",
    subject="nurse-1",
    role="nurse",
    scopes=("user/*.cruds",),
    organization="org-mauricie",
    region="04",
    fhir_user="Practitioner/nurse-1",
)
PHYSICIAN = Caller(
    kind="user",
    subject="doc-2",
    role="physician",
    scopes=("user/*.cruds",),
    organization="org-montreal",
    region="06",
    fhir_user="Practitioner/doc-2",
)


def consent(patient: str, provision: dict, status: str = "active") -> dict:
    return {
        "resourceType": "Consent",
        "status": status,
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        "provision": provision,
    }


KINDS: dict[str, Callable[[], dict]] = {
    "refusal": lambda: {"type": "deny"},
    "mental-health-for-everyone": lambda: {"type": "deny", "securityLabel": [{"system": ACT_CODE, "code": "PSY"}]},
    "mental-health-for-the-nurse": lambda: {
        "type": "deny",
        "securityLabel": [{"system": ACT_CODE, "code": "PSY"}],
        "actor": [{"role": {"text": "praticien"}, "reference": {"reference": "Practitioner/nurse-1"}}],
    },
    "whole-record-from-the-nurse": lambda: {
        "type": "deny",
        "actor": [{"role": {"text": "praticien"}, "reference": {"reference": "Practitioner/nurse-1"}}],
    },
    "whole-record-from-her-organization": lambda: {
        "type": "deny",
        "actor": [{"role": {"text": "organisation"}, "reference": {"reference": "Organization/org-mauricie"}}],
    },
}
# What the nurse may still see of the patient's depression diagnosis and hemoglobin result.
HIDDEN_FROM_NURSE = {
    "refusal": {"depression", "hemoglobin"},
    "mental-health-for-everyone": {"depression"},
    "mental-health-for-the-nurse": {"depression"},
    "whole-record-from-the-nurse": {"depression", "hemoglobin"},
    "whole-record-from-her-organization": {"depression", "hemoglobin"},
}
HIDDEN_FROM_PHYSICIAN = {
    "refusal": {"depression", "hemoglobin"},
    "mental-health-for-everyone": {"depression"},
    "mental-health-for-the-nurse": set(),
    "whole-record-from-the-nurse": set(),
    "whole-record-from-her-organization": set(),
}


@pytest.fixture
def record(service: RecordService, engine: Engine) -> dict[str, str]:
    with engine.begin() as conn:
        conn.execute(
            region.insert(),
            [{"code": "04", "name": "Mauricie", "live": True}, {"code": "06", "name": "Montréal", "live": True}],
        )
    system = system_context()
    patient = service.create(
        system, "Patient", {"resourceType": "Patient", "name": [{"family": "Lévesque"}]}
    ).stored.res_id
    depression = service.create(
        system,
        "Condition",
        {
            "resourceType": "Condition",
            "code": {"coding": [{"system": SNOMED, "code": "35489007", "display": "Depressive disorder"}]},
            "subject": {"reference": f"Patient/{patient}"},
        },
    ).stored.res_id
    hemoglobin = service.create(
        system,
        "Condition",
        {
            "resourceType": "Condition",
            "code": {"coding": [{"system": SNOMED, "code": "271737000", "display": "Anemia"}]},
            "subject": {"reference": f"Patient/{patient}"},
        },
    ).stored.res_id
    return {"patient": patient, "depression": depression, "hemoglobin": hemoglobin}


def visible_names(service: RecordService, caller: Caller, record: dict[str, str]) -> dict[str, set[str]]:
    """What each access path shows the caller of the two conditions, by name."""
    names = {record["depression"]: "depression", record["hemoglobin"]: "hemoglobin"}
    seen: dict[str, set[str]] = {}
    outcome = service.search(ctx(caller), "Condition", [("subject", record["patient"]), ("_total", "accurate")])
    seen["search"] = {names[m.res_id] for m in outcome.result.matches}
    assert outcome.result.total == len(seen["search"])  # counts never reveal hidden rows
    read = set()
    for res_id, name in names.items():
        try:
            service.read(ctx(caller), "Condition", res_id)
            read.add(name)
        except FhirError as exc:
            assert exc.status == 404
    seen["read"] = read
    chained = service.search(ctx(caller), "Condition", [("subject:Patient.name", "Levesque")])
    seen["chain"] = {names[m.res_id] for m in chained.result.matches}
    included = service.search(
        ctx(caller), "Patient", [("_id", record["patient"]), ("_revinclude", "Condition:subject")]
    )
    seen["revinclude"] = {names[i.res_id] for i in included.result.included}
    history = service.history(ctx(caller), "Condition", None, {})
    seen["history"] = {names[e.res_id] for e in history.page.entries}
    everything = patient_everything(service, ctx(caller), record["patient"], {})
    seen["everything"] = {
        names[e["resource"]["id"]] for e in everything.get("entry", []) if e["resource"]["id"] in names
    }
    has = service.search(ctx(caller), "Patient", [("_has:Condition:subject:code", "35489007")])
    seen["has"] = {"depression"} if has.result.matches else set()
    return seen


@pytest.mark.parametrize("kind", list(KINDS))
def test_consent_hides_exactly_what_it_says_on_every_path(service: RecordService, record: dict, kind: str) -> None:
    everything_visible = {"depression", "hemoglobin"}
    before = visible_names(service, NURSE, record)
    assert before["search"] == everything_visible
    service.create(system_context(), "Consent", consent(record["patient"], KINDS[kind]()))
    for caller, hidden in ((NURSE, HIDDEN_FROM_NURSE[kind]), (PHYSICIAN, HIDDEN_FROM_PHYSICIAN[kind])):
        seen = visible_names(service, caller, record)
        expected = everything_visible - hidden
        for path, names in seen.items():
            if path == "has":
                assert names == ({"depression"} & expected), (kind, caller.subject, path)
            else:
                assert names == expected, (kind, caller.subject, path)
    # Break-the-glass lifts the restriction for that clinician and that patient.
    break_glass(service, ctx(NURSE), record["patient"], "ETREAT", "Patiente confuse à l'urgence, antécédents requis")
    lifted = visible_names(service, NURSE, record)
    assert all(names == everything_visible for path, names in lifted.items() if path != "has")
    # The patient can still find herself: the Patient resource stays visible.
    assert service.read(ctx(PHYSICIAN), "Patient", record["patient"]).res_id == record["patient"]


def test_withdrawing_a_refusal_takes_effect_on_the_next_request(service: RecordService, record: dict) -> None:
    stored = service.create(system_context(), "Consent", consent(record["patient"], {"type": "deny"})).stored
    assert visible_names(service, NURSE, record)["search"] == set()
    withdrawn = {**stored.resource, "status": "inactive"}
    service.update(system_context(), "Consent", stored.res_id, withdrawn)
    assert visible_names(service, NURSE, record)["search"] == {"depression", "hemoglobin"}
    service.update(system_context(), "Consent", stored.res_id, {**withdrawn, "status": "active"})
    assert visible_names(service, NURSE, record)["search"] == set()
    service.delete(system_context(), "Consent", stored.res_id)
    assert visible_names(service, NURSE, record)["search"] == {"depression", "hemoglobin"}


def test_a_refusal_from_a_future_date_is_not_yet_in_force(service: RecordService, record: dict) -> None:
    service.create(
        system_context(), "Consent", consent(record["patient"], {"type": "deny", "period": {"start": "2999-01-01"}})
    )
    assert visible_names(service, NURSE, record)["search"] == {"depression", "hemoglobin"}


def test_the_patient_always_sees_her_own_record(service: RecordService, record: dict) -> None:
    service.create(system_context(), "Consent", consent(record["patient"], {"type": "deny"}))
    me = Caller(kind="user", subject="u", role="patient", scopes=("patient/*.rs",), patients=(record["patient"],))
    found = service.search(ctx(me), "Condition", [])
    assert {m.res_id for m in found.result.matches} == {record["depression"], record["hemoglobin"]}
