"""The access policy as every way in sees it: the service, with callers of each kind.

HTTP-level tests (tokens, the full matrix) live beside these; here the service is
driven directly so each rule is shown on its own.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, update

from dsn.service.break_glass import break_glass
from dsn.service.bundles import process_bundle
from dsn.service.context import ANONYMOUS, Caller, RequestContext, system_context
from dsn.service.errors import FhirError
from dsn.service.patient_operations import patient_everything
from dsn.service.records import RecordService
from dsn.store.security_schema import btg_grant, region

RESTRICTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}


def as_(caller: Caller) -> RequestContext:
    return RequestContext(caller=caller)


def clinician(role: str, region_code: str = "04", subject: str | None = None) -> Caller:
    return Caller(
        kind="user",
        subject=subject or f"{role}-{region_code}",
        role=role,
        scopes=("user/*.cruds",),
        organization=f"org-{region_code}",
        region=region_code,
    )


def patient_user(patient_id: str) -> Caller:
    return Caller(
        kind="user", subject=f"u-{patient_id}", role="patient", scopes=("patient/*.rs",), patients=(patient_id,)
    )


@pytest.fixture
def world(service: RecordService, engine: Engine) -> dict[str, str]:
    with engine.begin() as conn:
        conn.execute(
            region.insert(),
            [
                {"code": "04", "name": "Mauricie", "live": True},
                {"code": "06", "name": "Montréal", "live": True},
                {"code": "01", "name": "Bas-Saint-Laurent", "live": False},
            ],
        )
    ids: dict[str, str] = {}
    for name in ("p1", "p2"):
        ids[name] = service.create(
            system_context(), "Patient", {"resourceType": "Patient", "name": [{"family": name}]}
        ).stored.res_id

    def obs(patient: str, code: str, restricted: bool = False) -> str:
        body = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": f"Patient/{patient}"},
        }
        if restricted:
            body["meta"] = {"security": [RESTRICTED]}
        return service.create(system_context(), "Observation", body).stored.res_id

    ids["o1"] = obs(ids["p1"], "718-7")
    ids["o1r"] = obs(ids["p1"], "35489-7", restricted=True)
    ids["o2"] = obs(ids["p2"], "718-7")
    return ids


def found_ids(service: RecordService, caller: Caller, res_type: str, pairs: list[tuple[str, str]]) -> tuple[set, int]:
    outcome = service.search(as_(caller), res_type, [*pairs, ("_total", "accurate")])
    return {m.res_id for m in outcome.result.matches}, outcome.result.total


def status_of(call) -> int:
    try:
        call()
    except FhirError as exc:
        return exc.status
    return 200


def test_anonymous_callers_are_refused_with_401(service: RecordService, world: dict) -> None:
    assert status_of(lambda: service.read(as_(ANONYMOUS), "Patient", world["p1"])) == 401
    assert status_of(lambda: service.search(as_(ANONYMOUS), "Patient", [])) == 401


def test_role_matrix_limits_types_and_actions(service: RecordService, world: dict) -> None:
    nurse, clerk, pharmacist = clinician("nurse"), clinician("clerk"), clinician("pharmacist")
    assert status_of(lambda: service.read(as_(nurse), "Observation", world["o1"])) == 200
    assert status_of(lambda: service.delete(as_(nurse), "Observation", world["o1"])) == 403
    assert status_of(lambda: service.search(as_(nurse), "AuditEvent", [])) == 403
    assert status_of(lambda: service.read(as_(clerk), "Patient", world["p1"])) == 200
    assert status_of(lambda: service.read(as_(clerk), "Observation", world["o1"])) == 403
    assert status_of(lambda: service.search(as_(pharmacist), "Observation", [])) == 200
    assert status_of(lambda: service.search(as_(pharmacist), "Condition", [])) == 403


def test_users_of_a_region_that_is_not_live_are_refused(service: RecordService, world: dict) -> None:
    assert status_of(lambda: service.read(as_(clinician("physician", "01")), "Patient", world["p1"])) == 403
    assert status_of(lambda: service.read(as_(clinician("physician", "99")), "Patient", world["p1"])) == 403


def test_scopes_narrow_what_the_role_allows(service: RecordService, world: dict) -> None:
    reader = Caller(kind="user", subject="doc", role="physician", scopes=("user/Patient.rs",), region="04")
    assert status_of(lambda: service.read(as_(reader), "Patient", world["p1"])) == 200
    assert status_of(lambda: service.read(as_(reader), "Observation", world["o1"])) == 403
    assert status_of(lambda: service.create(as_(reader), "Patient", {"resourceType": "Patient"})) == 403


def test_a_patient_sees_only_their_own_compartment(service: RecordService, world: dict) -> None:
    me = patient_user(world["p1"])
    assert status_of(lambda: service.read(as_(me), "Observation", world["o1"])) == 200
    assert status_of(lambda: service.read(as_(me), "Observation", world["o2"])) == 404
    assert status_of(lambda: service.read(as_(me), "Patient", world["p2"])) == 404
    ids, total = found_ids(service, me, "Observation", [])
    assert ids == {world["o1"], world["o1r"]} and total == 2
    ids, total = found_ids(service, me, "Observation", [("subject", f"Patient/{world['p2']}")])
    assert ids == set() and total == 0
    ids, _ = found_ids(service, me, "Patient", [("_revinclude", "Observation:subject")])
    assert ids == {world["p1"]}
    outcome = service.search(as_(me), "Observation", [("_include", "Observation:subject")])
    assert {i.res_id for i in outcome.result.included} == {world["p1"]}
    with pytest.raises(FhirError) as denied:
        patient_everything(service, as_(me), world["p2"], {})
    assert denied.value.status == 404
    mine = patient_everything(service, as_(me), world["p1"], {})
    assert {e["resource"]["id"] for e in mine["entry"]} == {world["p1"], world["o1"], world["o1r"]}


def test_a_patient_cannot_probe_other_patients_through_chains_or_has(service: RecordService, world: dict) -> None:
    me = patient_user(world["p1"])
    ids, total = found_ids(service, me, "Observation", [("subject:Patient.name", "p2")])
    assert ids == set() and total == 0
    ids, total = found_ids(service, me, "Patient", [("_has:Observation:subject:code", "718-7")])
    assert ids == {world["p1"]} and total == 1


def test_restricted_data_is_hidden_until_break_the_glass(service: RecordService, world: dict, engine: Engine) -> None:
    nurse = clinician("nurse")
    ids, total = found_ids(service, nurse, "Observation", [("subject", world["p1"])])
    assert ids == {world["o1"]} and total == 1
    assert status_of(lambda: service.read(as_(nurse), "Observation", world["o1r"])) == 404
    grant = break_glass(service, as_(nurse), world["p1"], "ETREAT", "Patient inconsciente à l'urgence")
    ids, total = found_ids(service, nurse, "Observation", [("subject", world["p1"])])
    assert ids == {world["o1"], world["o1r"]} and total == 2
    # Another clinician is not covered by this nurse's grant.
    assert status_of(lambda: service.read(as_(clinician("physician")), "Observation", world["o1r"])) == 404
    with engine.begin() as conn:
        conn.execute(update(btg_grant).where(btg_grant.c.id == grant.id).values(expires_at=0))
    assert status_of(lambda: service.read(as_(nurse), "Observation", world["o1r"])) == 404


def test_break_the_glass_needs_a_clinical_role_a_reason_and_a_justification(
    service: RecordService, world: dict
) -> None:
    assert status_of(lambda: break_glass(service, as_(clinician("clerk")), world["p1"], "ETREAT", "x" * 20)) == 403
    assert status_of(lambda: break_glass(service, as_(clinician("nurse")), world["p1"], "CURIOUS", "x" * 20)) == 400
    assert status_of(lambda: break_glass(service, as_(clinician("nurse")), world["p1"], "ETREAT", "vite")) == 400
    assert status_of(lambda: break_glass(service, as_(clinician("nurse")), "nobody", "ETREAT", "x" * 20)) == 404


def test_records_are_changed_only_from_the_region_that_wrote_them(service: RecordService, world: dict) -> None:
    mauricie, montreal = clinician("physician", "04"), clinician("physician", "06")
    created = service.create(
        as_(mauricie),
        "Observation",
        {
            "resourceType": "Observation",
            "status": "preliminary",
            "code": {"text": "Glycémie"},
            "subject": {"reference": f"Patient/{world['p2']}"},
        },
    ).stored
    assert created.source_region == "04"
    body = {**created.resource, "status": "final"}
    assert status_of(lambda: service.read(as_(montreal), "Observation", created.res_id)) == 200
    assert status_of(lambda: service.update(as_(montreal), "Observation", created.res_id, body)) == 403
    assert status_of(lambda: service.delete(as_(montreal), "Observation", created.res_id)) == 403
    assert status_of(lambda: service.update(as_(mauricie), "Observation", created.res_id, body)) == 200


def test_a_patient_cannot_write_into_someone_elses_compartment(service: RecordService, world: dict) -> None:
    me = Caller(kind="user", subject="u1", role="patient", scopes=("patient/*.cruds",), patients=(world["p1"],))
    consent = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{world['p2']}"},
    }
    assert status_of(lambda: service.create(as_(me), "Consent", consent)) == 403
    own = {**consent, "patient": {"reference": f"Patient/{world['p1']}"}}
    assert status_of(lambda: service.create(as_(me), "Consent", own)) == 200


def test_transactions_apply_the_policy_to_every_entry(service: RecordService, world: dict) -> None:
    clerk = clinician("clerk")
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    with pytest.raises(FhirError) as denied:
        process_bundle(service, as_(clerk), bundle)
    assert denied.value.status == 403
    _ids, total = found_ids(service, clinician("physician"), "Patient", [])
    assert total == 2  # nothing of the refused transaction was stored
