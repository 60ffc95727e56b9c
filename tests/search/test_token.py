"""Token search: code, system|code, |code, system|, :not, :text, :of-type, :missing, booleans, _id, meta."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import coding, create, found, observation, patient

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RAMQ = "https://www.ramq.gouv.qc.ca/nam"
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}], "text": "Dossier"}


def _observations(client: TestClient) -> dict[str, str]:
    return {
        "glucose": create(
            client,
            observation(
                code={"coding": [coding(LOINC, "2345-7", "Glucose [Mass/volume] in Serum")], "text": "Glycémie"}
            ),
        ),
        "snomed": create(client, observation(code={"coding": [coding(SNOMED, "2345-7")]})),
        "bare": create(client, observation(code={"coding": [coding(None, "2345-7")]})),
        "other": create(client, observation(code={"coding": [coding(LOINC, "8480-6", "Systolic blood pressure")]})),
        "text-only": create(client, observation(code={"text": "Pression artérielle"})),
    }


def test_token_code_alone_matches_any_system(client: TestClient) -> None:
    o = _observations(client)
    assert found(client, "Observation", {"code": "2345-7"}) == {o["glucose"], o["snomed"], o["bare"]}


def test_token_system_and_code_match_both(client: TestClient) -> None:
    o = _observations(client)
    assert found(client, "Observation", {"code": f"{LOINC}|2345-7"}) == {o["glucose"]}
    assert found(client, "Observation", {"code": f"{SNOMED}|8480-6"}) == set()


def test_token_empty_system_matches_codes_without_a_system(client: TestClient) -> None:
    o = _observations(client)
    assert found(client, "Observation", {"code": "|2345-7"}) == {o["bare"]}


def test_token_system_alone_matches_any_code_of_that_system(client: TestClient) -> None:
    o = _observations(client)
    assert found(client, "Observation", {"code": f"{LOINC}|"}) == {o["glucose"], o["other"]}


def test_token_not_excludes_matches_and_keeps_resources_without_a_value(client: TestClient) -> None:
    male = create(client, patient(gender="male"))
    female = create(client, patient(gender="female"))
    unknown = create(client, patient(active=True))
    assert found(client, "Patient", {"gender:not": "male"}) == {female, unknown}
    assert found(client, "Patient", {"gender:not": "male,female"}) == {unknown}
    assert found(client, "Patient", {"gender": "male"}) == {male}


def test_token_text_matches_display_and_concept_text_like_a_string(client: TestClient) -> None:
    o = _observations(client)
    assert found(client, "Observation", {"code:text": "glucose"}) == {o["glucose"]}
    assert found(client, "Observation", {"code:text": "glycemie"}) == {o["glucose"]}
    assert found(client, "Observation", {"code:text": "pression"}) == {o["text-only"]}
    assert found(client, "Observation", {"code:text": "systolic"}) == {o["other"]}


def test_token_of_type_matches_identifier_type_and_value(client: TestClient) -> None:
    record = create(client, patient(identifier=[{"type": MR, "system": "urn:oid:1.2.3", "value": "A-100"}]))
    create(client, patient(identifier=[{"system": "urn:oid:1.2.3", "value": "A-100"}]))
    v2 = "http://terminology.hl7.org/CodeSystem/v2-0203"
    assert found(client, "Patient", {"identifier:of-type": f"{v2}|MR|A-100"}) == {record}
    assert found(client, "Patient", {"identifier:of-type": f"{v2}|MR|A-999"}) == set()
    assert found(client, "Patient", {"identifier:of-type": f"{v2}|DL|A-100"}) == set()


def test_token_identifier_forms(client: TestClient) -> None:
    nam = create(client, patient(identifier=[{"system": RAMQ, "value": "BELM84531219"}]))
    local = create(client, patient(identifier=[{"value": "BELM84531219"}]))
    assert found(client, "Patient", {"identifier": "BELM84531219"}) == {nam, local}
    assert found(client, "Patient", {"identifier": f"{RAMQ}|BELM84531219"}) == {nam}
    assert found(client, "Patient", {"identifier": "|BELM84531219"}) == {local}
    assert found(client, "Patient", {"identifier": f"{RAMQ}|"}) == {nam}
    assert found(client, "Patient", {"identifier": "belm84531219"}) == set()


def test_token_missing(client: TestClient) -> None:
    with_gender = create(client, patient(gender="male"))
    without = create(client, patient())
    assert found(client, "Patient", {"gender:missing": "true"}) == {without}
    assert found(client, "Patient", {"gender:missing": "false"}) == {with_gender}


def test_token_boolean(client: TestClient) -> None:
    active = create(client, patient(active=True))
    inactive = create(client, patient(active=False))
    unset = create(client, patient())
    assert found(client, "Patient", {"active": "true"}) == {active}
    assert found(client, "Patient", {"active": "false"}) == {inactive}
    assert found(client, "Patient", {"active:not": "true"}) == {inactive, unset}


def test_id_matches_logical_ids(client: TestClient) -> None:
    first = create(client, patient())
    second = create(client, patient())
    create(client, patient())
    assert found(client, "Patient", {"_id": first}) == {first}
    assert found(client, "Patient", {"_id": f"{first},{second}"}) == {first, second}
    assert found(client, "Patient", {"_id": "no-such-id"}) == set()
    assert found(client, "Observation", {"_id": first}) == set()


def test_meta_tag_security_profile_and_source(client: TestClient) -> None:
    tagged = create(
        client,
        patient(
            meta={
                "tag": [{"system": "urn:dsn:tag", "code": "pilot"}],
                "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "N"}],
                "profile": ["http://hl7.org/fhir/StructureDefinition/Patient"],
                "source": "urn:dsn:ciusss-mcq#feed1",
            }
        ),
    )
    plain = create(client, patient())
    assert found(client, "Patient", {"_tag": "urn:dsn:tag|pilot"}) == {tagged}
    assert found(client, "Patient", {"_tag": "pilot"}) == {tagged}
    assert found(client, "Patient", {"_tag:not": "pilot"}) == {plain}
    assert found(client, "Patient", {"_security": "N"}) == {tagged}
    confidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
    assert found(client, "Patient", {"_security": f"{confidentiality}|N"}) == {tagged}
    assert found(client, "Patient", {"_profile": "http://hl7.org/fhir/StructureDefinition/Patient"}) == {tagged}
    assert found(client, "Patient", {"_source": "urn:dsn:ciusss-mcq#feed1"}) == {tagged}
    assert found(client, "Patient", {"_tag:missing": "true"}) == {plain}
