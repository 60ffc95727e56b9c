"""The clinician chart pages: patient search, summary, lab trend, consent notice, break-the-glass.

Data is written through the record service by callers of the facilities that recorded it
(so ``source_org``/``source_region`` are set, as in the pilot), and consent by the patient
herself; clinicians log in through the real SMART login and use the pages as a browser
would. Every page reads through the service with the user's own context, so these tests
also show that the page, the policy, the consent filter and the audit log agree.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dsn.audit.query import AuditFilter
from dsn.audit.query import search as audit_search
from dsn.mpi.nam import build_nam
from dsn.security.regions import upsert_region
from dsn.service.context import Caller, RequestContext, system_context
from dsn.service.records import RecordService
from dsn.synthetic.identifiers import NAM_SYSTEM, mrn_system
from tests.support.web import add_web_user, csrf_of, web_login

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
HBA1C = "4548-4"

MAURICIE = ("04", "CIUSSS de la Mauricie-et-du-Centre-du-Québec")
NORD = ("06-nord", "CIUSSS du Nord-de-l'Île-de-Montréal")
NOT_LIVE = ("01", "CISSS du Bas-Saint-Laurent")
TROIS_RIVES = ("fac-trois-rives", "Centre hospitalier régional des Trois-Rives")
SAINTE_AURELIE = ("fac-sainte-aurelie", "Hôpital Sainte-Aurélie-du-Nord")

BIRTH = date(1971, 9, 23)
NAM = build_nam("Bélanger-Côté", "Geneviève", BIRTH, "female")
MRN = "52094417"


def facility(org: tuple[str, str], region_code: str, role: str = "physician") -> RequestContext:
    """A clinician of a facility recording care there, as a hospital's chart system would."""
    caller = Caller(
        kind="user",
        subject=f"loader-{org[0]}",
        role=role,
        scopes=("user/*.cruds",),
        organization=org[0],
        region=region_code,
    )
    return RequestContext(caller=caller)


def patient_context(patient_id: str) -> RequestContext:
    caller = Caller(
        kind="user",
        subject=f"patient-{patient_id}",
        role="patient",
        scopes=("patient/*.cruds",),
        patients=(patient_id,),
        fhir_user=f"Patient/{patient_id}",
    )
    return RequestContext(caller=caller)


def text_of(page: str) -> str:
    """The page's text with entities decoded, whitespace collapsed (for phrase checks)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def chart(app: FastAPI) -> dict[str, str]:
    """Geneviève Bélanger-Côté: allergy and labs from Montréal, depression in Mauricie."""
    service: RecordService = app.state.service
    engine = app.state.engine
    for code, name in (MAURICIE, NORD):
        upsert_region(engine, code, name, organization_id=None, live=True)
    upsert_region(engine, *NOT_LIVE, organization_id=None, live=False)
    for org_id, name in (TROIS_RIVES, SAINTE_AURELIE):
        service.create(
            system_context(), "Organization", {"resourceType": "Organization", "name": name}, assigned_id=org_id
        )
    mauricie = facility(TROIS_RIVES, MAURICIE[0])
    montreal = facility(SAINTE_AURELIE, NORD[0])
    pid = service.create(
        mauricie,
        "Patient",
        {
            "resourceType": "Patient",
            "identifier": [
                {"system": NAM_SYSTEM, "value": NAM},
                {"system": mrn_system(TROIS_RIVES[0]), "value": MRN},
            ],
            "name": [{"use": "official", "family": "Bélanger-Côté", "given": ["Geneviève"]}],
            "gender": "female",
            "birthDate": BIRTH.isoformat(),
        },
    ).stored.res_id
    other = service.create(
        mauricie,
        "Patient",
        {
            "resourceType": "Patient",
            "name": [{"family": "Tremblay", "given": ["Jean"]}],
            "gender": "male",
            "birthDate": "1950-01-02",
        },
    ).stored.res_id
    subject = {"reference": f"Patient/{pid}"}
    service.create(
        montreal,
        "AllergyIntolerance",
        {
            "resourceType": "AllergyIntolerance",
            "code": {"coding": [{"system": SNOMED, "code": "91936005", "display": "Allergy to penicillin"}]},
            "patient": subject,
            "criticality": "high",
            "recordedDate": "2017-02-08",
            "reaction": [{"manifestation": [{"text": "Urticaire"}]}],
        },
    )
    for when, value in (
        ("2016-04-12T08:15:00-04:00", 7.9),
        ("2019-10-22T08:30:00-04:00", 6.9),
        ("2024-10-29T08:20:00-04:00", 5.8),
    ):
        service.create(
            montreal,
            "Observation",
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "laboratory",
                            }
                        ]
                    }
                ],
                "code": {"coding": [{"system": LOINC, "code": HBA1C, "display": "Hemoglobin A1c"}], "text": "HbA1c"},
                "subject": subject,
                "effectiveDateTime": when,
                "valueQuantity": {"value": value, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
                "referenceRange": [{"low": {"value": 4.0, "unit": "%"}, "high": {"value": 6.0, "unit": "%"}}],
            },
        )
    for code, display in (("38341003", "Hypertension"), ("35489007", "Depressive disorder")):
        service.create(
            mauricie,
            "Condition",
            {
                "resourceType": "Condition",
                "clinicalStatus": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
                },
                "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
                "subject": subject,
                "recordedDate": "2023-03-01",
            },
        )
    return {"patient": pid, "other": other}


def restrict_mental_health(app: FastAPI, patient_id: str) -> None:
    """The patient herself restricts her mental-health information, from everyone."""
    app.state.service.create(
        patient_context(patient_id), "Consent", _consent(patient_id, [{"system": ACT_CODE, "code": "PSY"}])
    )


def refuse_sharing(app: FastAPI, patient_id: str) -> None:
    app.state.service.create(patient_context(patient_id), "Consent", _consent(patient_id, []))


def _consent(patient_id: str, labels: list[dict]) -> dict:
    provision: dict = {"type": "deny"}
    if labels:
        provision["securityLabel"] = labels
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "provision": provision,
    }


def log_in(browser: TestClient, username: str, role: str, region: str = MAURICIE[0]) -> str:
    browser.cookies.clear()
    user = add_web_user(browser, username, role, region=region, organization=TROIS_RIVES[0])
    web_login(browser, username)
    return user.id


def chart_of(browser: TestClient, patient_id: str) -> str:
    response = browser.get(f"/app/chart/patient/{patient_id}")
    assert response.status_code == 200, response.text
    return response.text


# -- search ---------------------------------------------------------------------------------


def test_a_clinician_finds_a_patient_by_name_nam_birth_date_or_record_number(browser: TestClient, chart: dict) -> None:
    log_in(browser, "inf.roy", "nurse")
    spaced_nam = " ".join(NAM[i : i + 4] for i in range(0, 12, 4)).lower()
    for query in (
        {"name": "belanger"},
        {"name": "GENEVIEVE belanger-cote"},
        {"nam": spaced_nam},
        {"birth_date": "1971-09-23"},
        {"birth_date": "23/09/1971"},
        {"mrn": MRN},
        {"name": "bel", "birth_date": "1971-09-23", "mrn": MRN},
    ):
        response = browser.get("/app/chart/", params=query)
        assert response.status_code == 200, (query, response.text)
        assert f'href="/app/chart/patient/{chart["patient"]}"' in response.text, query
        assert "Tremblay" not in response.text, query
        page = text_of(response.text)
        assert "Bélanger-Côté" in page and "23 septembre 1971" in page and "femme" in page
        assert " ".join(NAM[i : i + 4] for i in range(0, 12, 4)) in page  # the NAM as cards print it
    # Criteria combine with AND: right name, wrong birth date finds no one.
    response = browser.get("/app/chart/", params={"name": "belanger", "birth_date": "1980-01-01"})
    assert "/app/chart/patient/" not in response.text
    assert "Aucun patient trouvé" in text_of(response.text)


def test_a_search_with_nothing_typed_lists_no_one_and_bad_input_is_marked(browser: TestClient, chart: dict) -> None:
    log_in(browser, "inf.roy", "nurse")
    first = browser.get("/app/chart/")
    assert first.status_code == 200 and "/app/chart/patient/" not in first.text
    assert 'aria-current="page"' in first.text  # the navigation marks where the user is
    empty = browser.get("/app/chart/", params={"name": "", "nam": "", "birth_date": "", "mrn": ""})
    assert empty.status_code == 200
    assert "/app/chart/patient/" not in empty.text
    assert "La liste de tous les patients n'est pas affichée" in text_of(empty.text)
    bad = browser.get("/app/chart/", params={"nam": "BELG 123", "birth_date": "1971-02-30"})
    assert bad.status_code == 400
    assert "/app/chart/patient/" not in bad.text
    for field in ("nam", "birth_date"):
        tag = re.search(rf'<input[^>]*id="f-{field}"[^>]*>', bad.text, re.S)
        assert tag and 'aria-invalid="true"' in tag.group(0) and f"f-{field}-error" in tag.group(0)
    assert "Un NAM compte 4 lettres" in text_of(bad.text)


# -- summary and lab trend ---------------------------------------------------------------------


def test_the_summary_shows_what_another_region_recorded_with_its_source(browser: TestClient, chart: dict) -> None:
    log_in(browser, "inf.roy", "nurse")
    raw = chart_of(browser, chart["patient"])
    page = text_of(raw)
    assert "Bélanger-Côté" in page and "Allergies" in page
    assert "Allergy to penicillin" in page and "Urticaire" in page and "Réaction grave possible" in page
    montreal = f"{SAINTE_AURELIE[1]} — {NORD[1]}"
    assert page.count(montreal) >= 4  # the allergy and the three HbA1c results
    assert "HbA1c" in page and "5,8 %" in page and "4 – 6" in page
    assert f"{TROIS_RIVES[1]} — {MAURICIE[1]}" in page  # the conditions, recorded in Mauricie
    assert "Hypertension" in page and "Depressive disorder" in page  # no restriction yet
    assert "/break-glass" not in raw  # nothing withheld: no emergency access offered
    assert '<th scope="col">' in raw and '<th scope="row">' in raw
    english = text_of(browser.get(f"/app/chart/patient/{chart['patient']}?lang=en").text)
    assert "Record summary" in english and "Allergy to penicillin" in english and "5.8 %" in english


def test_the_lab_page_draws_the_trend_with_the_reference_range_and_lists_the_values(
    browser: TestClient, chart: dict
) -> None:
    log_in(browser, "inf.roy", "nurse")
    summary = chart_of(browser, chart["patient"])
    link = re.search(r'href="(/app/chart/patient/[^"]+/lab\?[^"]+)"', summary)
    assert link, "the lab result links to its history"
    response = browser.get(html.unescape(link.group(1)))
    assert response.status_code == 200, response.text
    raw = response.text
    assert "<svg" in raw and 'class="range"' in raw and raw.count('class="point') == 3
    assert 'class="point out"' in raw  # 7.9 and 6.9 are above 6.0: marked as outside the range
    page = text_of(raw)
    for value in ("7,9 %", "6,9 %", "5,8 %"):
        assert value in page
    assert "12 avril 2016" in page and "29 octobre 2024" in page
    assert page.count(f"{SAINTE_AURELIE[1]} — {NORD[1]}") == 3
    assert 'aria-current="page"' in raw
    missing = browser.get(f"/app/chart/patient/{chart['patient']}/lab?system={LOINC}")
    assert missing.status_code == 400


def test_a_pharmacist_sees_the_summary_with_the_sections_her_role_may_not_read_marked(
    browser: TestClient, chart: dict
) -> None:
    log_in(browser, "pharm.cote", "pharmacist")
    page = text_of(chart_of(browser, chart["patient"]))
    assert "Allergy to penicillin" in page and "HbA1c" in page
    assert "Hypertension" not in page
    assert "Votre rôle ne donne pas accès à cette information." in page


# -- consent and break-the-glass ------------------------------------------------------------------


def test_a_mental_health_restriction_hides_the_diagnosis_and_says_so(
    app: FastAPI, browser: TestClient, chart: dict
) -> None:
    restrict_mental_health(app, chart["patient"])
    log_in(browser, "inf.roy", "nurse")
    raw = chart_of(browser, chart["patient"])
    page = text_of(raw)
    assert "Partage restreint" in page and "santé mentale" in page
    assert "Hypertension" in page and "Depressive disorder" not in page
    assert f'href="/app/chart/patient/{chart["patient"]}/break-glass"' in raw  # a nurse may break the glass


def test_a_refusal_hides_the_record_and_never_claims_no_known_allergies(
    app: FastAPI, browser: TestClient, chart: dict
) -> None:
    refuse_sharing(app, chart["patient"])
    log_in(browser, "inf.roy", "nurse")
    page = text_of(chart_of(browser, chart["patient"]))
    assert "Refus de partage" in page
    assert "Allergy to penicillin" not in page and "HbA1c" not in page
    assert "Aucune allergie connue" not in page
    assert "Allergies : information non disponible" in page
    assert "Aucun renseignement clinique ne peut être affiché" in page


def test_a_physician_breaks_the_glass_and_sees_the_restricted_diagnosis_for_a_limited_time(
    app: FastAPI, browser: TestClient, chart: dict
) -> None:
    restrict_mental_health(app, chart["patient"])
    user_id = log_in(browser, "dr.gagnon", "physician")
    patient_id = chart["patient"]
    assert "Depressive disorder" not in chart_of(browser, patient_id)
    form = browser.get(f"/app/chart/patient/{patient_id}/break-glass")
    assert form.status_code == 200
    for code in ("ETREAT", "BTG", "PATSFTY", "CLINTRCH"):
        assert f'value="{code}"' in form.text
    assert "Traitement d'urgence" in text_of(form.text)
    assert '<label for="justification">' in form.text

    short = browser.post(
        f"/app/chart/patient/{patient_id}/break-glass",
        data={"csrf_token": csrf_of(form.text), "reason": "ETREAT", "justification": "urgence"},
    )
    assert short.status_code == 400
    textarea = re.search(r"<textarea[^>]*>", short.text, re.S)
    assert textarea and 'aria-invalid="true"' in textarea.group(0) and "justification-error" in textarea.group(0)
    assert "au moins 10 caractères" in text_of(short.text)
    kept = re.search(r'<input type="radio" id="reason-ETREAT"[^>]*>', short.text, re.S)
    assert kept and "checked" in kept.group(0)  # the reason chosen stays chosen
    assert ">urgence</textarea>" in short.text  # what was typed is kept
    assert "Depressive disorder" not in chart_of(browser, patient_id)

    done = browser.post(
        f"/app/chart/patient/{patient_id}/break-glass",
        data={
            "csrf_token": csrf_of(form.text),
            "reason": "ETREAT",
            "justification": "Patiente confuse à l'urgence, antécédents psychiatriques requis",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/app/chart/patient/{patient_id}"
    raw = chart_of(browser, patient_id)
    page = text_of(raw)
    assert "Depressive disorder" in page
    assert re.search(r"Accès d'urgence actif jusqu'à \d{1,2} h \d{2}", page), page
    assert f"/app/chart/patient/{patient_id}/break-glass" not in raw  # already open: not offered again
    with app.state.engine.connect() as conn:
        grants = audit_search(conn, AuditFilter(user=user_id, subtype="break-glass")).entries
    assert len(grants) == 1 and grants[0].record.break_glass


def test_a_clerk_is_offered_no_emergency_access_and_cannot_force_one(
    app: FastAPI, browser: TestClient, chart: dict
) -> None:
    restrict_mental_health(app, chart["patient"])
    log_in(browser, "agent.lemieux", "clerk")
    patient_id = chart["patient"]
    raw = chart_of(browser, patient_id)
    assert "/break-glass" not in raw
    assert "Votre rôle ne donne pas accès à cette information." in text_of(raw)
    form = browser.get(f"/app/chart/patient/{patient_id}/break-glass")
    assert form.status_code == 403 and "Votre rôle ne permet pas l'accès d'urgence" in text_of(form.text)
    forced = browser.post(
        f"/app/chart/patient/{patient_id}/break-glass",
        data={"csrf_token": csrf_of(form.text), "reason": "ETREAT", "justification": "Je veux voir le dossier complet"},
    )
    assert forced.status_code == 403 and "Votre rôle ne permet pas l'accès d'urgence" in text_of(forced.text)
    with app.state.engine.connect() as conn:
        assert audit_search(conn, AuditFilter(subtype="break-glass")).entries == []


def test_a_form_posted_without_the_csrf_token_is_refused(app: FastAPI, browser: TestClient, chart: dict) -> None:
    restrict_mental_health(app, chart["patient"])
    log_in(browser, "dr.gagnon", "physician")
    response = browser.post(
        f"/app/chart/patient/{chart['patient']}/break-glass",
        data={"reason": "ETREAT", "justification": "Patiente confuse à l'urgence, antécédents requis"},
    )
    assert response.status_code == 403
    with app.state.engine.connect() as conn:
        assert audit_search(conn, AuditFilter(subtype="break-glass")).entries == []


# -- who may come in, and the audit trail ------------------------------------------------------------


def test_a_clinician_of_a_region_that_is_not_live_is_refused(browser: TestClient, chart: dict) -> None:
    log_in(browser, "inf.bsl", "nurse", region=NOT_LIVE[0])
    assert browser.get("/app/chart/", params={"name": "belanger"}).status_code == 403
    assert browser.get(f"/app/chart/patient/{chart['patient']}").status_code == 403


def test_an_unknown_or_malformed_patient_id_is_not_found(browser: TestClient, chart: dict) -> None:
    log_in(browser, "inf.roy", "nurse")
    for path in ("/app/chart/patient/no-such-patient", "/app/chart/patient/bad%20id", "/app/chart/patient/x%22y/lab"):
        assert browser.get(path).status_code == 404, path


def test_anonymous_visitors_are_sent_to_the_login(browser: TestClient, chart: dict) -> None:
    for path in (f"/app/chart/patient/{chart['patient']}", "/app/chart/?name=belanger"):
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/app/login?next=")
    posted = browser.post(f"/app/chart/patient/{chart['patient']}/break-glass", data={}, follow_redirects=False)
    assert posted.status_code == 303


def test_the_audit_log_holds_the_chart_reads(app: FastAPI, browser: TestClient, chart: dict) -> None:
    user_id = log_in(browser, "inf.roy", "nurse")
    browser.get("/app/chart/", params={"name": "belanger"})
    chart_of(browser, chart["patient"])
    with app.state.engine.connect() as conn:
        entries = audit_search(conn, AuditFilter(user=user_id, patient=chart["patient"]), count=100).entries
    reads = [e.record for e in entries if e.record.subtype == "read"]
    assert any(f"Patient/{chart['patient']}" in r.entities for r in reads)
    searched = {ref.split("/")[0] for e in entries if e.record.subtype == "search-type" for ref in e.record.entities}
    assert {"Patient", "AllergyIntolerance", "Observation", "Condition"} <= searched
    assert all(e.record.agent.role == "nurse" for e in entries)
    with app.state.engine.connect() as conn:
        others = audit_search(conn, AuditFilter(user=user_id, patient=chart["other"])).entries
    assert others == []  # the patient the search did not return is not in the log
