"""The patient portal: my record, my labs, who accessed it, sharing choices, download.

Test data goes in through the FHIR API as a backend client; clinicians act through the
API with their own bearer tokens; the patient logs in through the real SMART login. The
sharing tests check the effect where it matters: in what a clinician's FHIR search
returns right after the patient's choice.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dsn.config import Settings
from dsn.security.regions import upsert_region
from dsn.security.users import create_user, link_child
from dsn.service.break_glass import REASONS
from dsn.web.clinical.consent_status import CATEGORY_LABELS
from dsn.web.messages import catalog
from dsn.web.pages.portal import DONE
from dsn.web.portal import access_history as access_history_module
from dsn.web.portal.access_history import ACTION_WORDS, KINDS, REVIEW_DECISIONS
from tests.support.auth import bearer
from tests.support.web import PASSWORD, add_web_user, csrf_of, hidden_fields, web_login

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
HEMOGLOBIN = f"/app/portal/labs/trend?system={quote(LOINC, safe='')}&code=718-7"


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


class Fhir:
    """FHIR calls as the backend integration client, or as a given clinician."""

    def __init__(self, browser: TestClient, settings: Settings) -> None:
        self.browser = browser
        self.settings = settings
        self.system = bearer(settings)

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.browser.put(f"/fhir/{body['resourceType']}/{body['id']}", json=body, headers=self.system)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def post(self, body: dict[str, Any]) -> str:
        response = self.browser.post(f"/fhir/{body['resourceType']}", json=body, headers=self.system)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def clinician(self, subject: str, display: str, role: str, organization: str, region: str) -> dict[str, str]:
        return bearer(
            self.settings,
            kind="user",
            subject=subject,
            display=display,
            role=role,
            scopes=("user/*.cruds",),
            organization=organization,
            region=region,
            fhir_user=f"Practitioner/prac-{subject}",
            client_id="dsn-web",
        )

    def ids(self, path: str, headers: dict[str, str]) -> set[str]:
        response = self.browser.get(f"/fhir/{path}", headers=headers)
        assert response.status_code == 200, response.text
        return {e["resource"]["id"] for e in response.json().get("entry") or []}


def patient(patient_id: str, given: str, family: str, birth: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": patient_id,
        "name": [{"use": "official", "family": family, "given": [given]}],
        "birthDate": birth,
        "gender": "female",
    }


def hemoglobin(patient_id: str, when: str, value: float, flag: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
        ],
        "code": {"coding": [{"system": LOINC, "code": "718-7", "display": "Hémoglobine"}], "text": "Hémoglobine"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": "g/L"},
        "referenceRange": [{"low": {"value": 120, "unit": "g/L"}, "high": {"value": 160, "unit": "g/L"}}],
    }
    if flag:
        body["interpretation"] = [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": flag}]}
        ]
    return body


def condition(patient_id: str, code: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{patient_id}"},
    }


@pytest.fixture
def world(browser: TestClient, settings: Settings) -> dict[str, Any]:
    """Marie (who logs in) and Jean (another patient), a live region, a nurse and a physician."""
    engine = browser.app.state.engine
    upsert_region(engine, "04", "Mauricie-et-Centre-du-Québec", organization_id="org-04", live=True)
    upsert_region(engine, "06", "Montréal", organization_id="org-06", live=True)
    fhir = Fhir(browser, settings)
    fhir.put({"resourceType": "Organization", "id": "org-04", "name": "CIUSSS de la Mauricie-et-du-Centre-du-Québec"})
    fhir.put({"resourceType": "Organization", "id": "org-06", "name": "CHU de Montréal"})
    fhir.put(patient("pat-marie", "Marie", "Tremblay", "1980-04-02"))
    fhir.put(patient("pat-jean", "Jeanne", "Gagnon", "1975-09-30"))
    ids = {
        "allergy": fhir.post(
            {
                "resourceType": "AllergyIntolerance",
                "patient": {"reference": "Patient/pat-marie"},
                "code": {"text": "Arachides"},
            }
        ),
        "jean_allergy": fhir.post(
            {
                "resourceType": "AllergyIntolerance",
                "patient": {"reference": "Patient/pat-jean"},
                "code": {"text": "Pénicilline"},
            }
        ),
        "hb_old": fhir.post(hemoglobin("pat-marie", "2025-01-10T09:00:00-05:00", 128)),
        "hb_new": fhir.post(hemoglobin("pat-marie", "2025-03-15T09:00:00-04:00", 115.5, "L")),
        "jean_hb": fhir.post(hemoglobin("pat-jean", "2025-02-01T09:00:00-05:00", 99.25)),
        "depression": fhir.post(condition("pat-marie", "35489007", "Trouble dépressif")),
        "anemia": fhir.post(condition("pat-marie", "271737000", "Anémie")),
    }
    return {
        "fhir": fhir,
        "ids": ids,
        "nurse": fhir.clinician("roy", "Julie Roy", "nurse", "org-04", "04"),
        "physician": fhir.clinician("lee", "Sam Lee", "physician", "org-06", "06"),
    }


@pytest.fixture
def marie(browser: TestClient, world: dict[str, Any]) -> TestClient:
    add_web_user(browser, "marie", "patient", patient_id="pat-marie", display_name="Marie Tremblay")
    web_login(browser, "marie")
    return browser


def text_of(response: Any) -> str:
    """The page's text with entities decoded (for readable assertions)."""
    return html.unescape(response.text)


def post_form(browser: TestClient, path: str, data: dict[str, str], page: str = "/app/portal/sharing") -> Any:
    token = csrf_of(browser.get(page).text)
    return browser.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


# -- my record, my labs ---------------------------------------------------------------------


def test_my_summary_shows_my_allergy_and_labs_and_not_another_patients(marie: TestClient) -> None:
    response = marie.get("/app/portal/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Marie Tremblay" in page
    assert "Arachides" in page and "Hémoglobine" in page
    assert "Pénicilline" not in page and "Gagnon" not in page
    assert html.escape(HEMOGLOBIN) in response.text  # the lab links to my trend page
    assert "<h1>" in response.text and 'scope="col"' in response.text


def test_my_lab_list_shows_each_test_once_with_its_latest_result(marie: TestClient) -> None:
    page = text_of(marie.get("/app/portal/labs"))
    assert page.count("Hémoglobine</a>") == 1
    assert "115,5 g/L" in page  # the latest value, French decimal comma
    assert "Bas" in page  # its flag
    assert "15 mars 2025" in page
    english = text_of(marie.get("/app/portal/labs?lang=en"))
    assert "115.5 g/L" in english and "March 15, 2025" in english and "My lab results" in english


def test_the_trend_page_charts_my_results_only(marie: TestClient) -> None:
    response = marie.get(HEMOGLOBIN)
    assert response.status_code == 200
    page = text_of(response)
    assert "<svg" in page and "128 g/L" in page and "115,5 g/L" in page
    assert "99,25" not in page  # Jeanne's result for the same test
    assert "script" not in response.text.lower().replace("script-src", "")


def test_the_trend_page_needs_a_test(marie: TestClient) -> None:
    assert marie.get("/app/portal/labs/trend").status_code == 400
    assert marie.get("/app/portal/labs/trend?system=a|b&code=1").status_code == 400
    unknown = marie.get(f"/app/portal/labs/trend?system={quote(LOINC, safe='')}&code=0000-0")
    assert unknown.status_code == 200 and "Aucun résultat" in text_of(unknown)


# -- who accessed my record ------------------------------------------------------------------


def test_a_nurse_reading_my_record_appears_in_who_accessed_it(marie: TestClient, world: dict[str, Any]) -> None:
    fhir: Fhir = world["fhir"]
    assert marie.get("/fhir/Patient/pat-marie", headers=world["nurse"]).status_code == 200
    assert fhir.ids("Observation?patient=pat-marie", world["nurse"]) == {world["ids"]["hb_old"], world["ids"]["hb_new"]}
    page = text_of(marie.get("/app/portal/access"))
    assert "Julie Roy" in page
    assert "infirmière ou infirmier" in page
    assert "CIUSSS de la Mauricie-et-du-Centre-du-Québec" in page
    assert "Consultation" in page and "Recherche" in page and "résultats d'examens" in page
    assert "Vous</strong>" not in page  # my own accesses are hidden by default
    mine = text_of(marie.get("/app/portal/access?mine=1"))
    assert "Vous</strong>" in mine and "Julie Roy" in mine
    english = text_of(marie.get("/app/portal/access?lang=en"))
    assert "Who accessed my record" in english and "nurse" in english and "test results" in english


def test_a_break_the_glass_access_is_marked_with_its_reason(marie: TestClient, world: dict[str, Any]) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "reason", "valueCode": "ETREAT"},
            {"name": "justification", "valueString": "Patiente inconsciente aux urgences"},
        ],
    }
    opened = marie.post("/fhir/Patient/pat-marie/$break-the-glass", json=body, headers=world["nurse"])
    assert opened.status_code == 201, opened.text
    world["fhir"].ids("Condition?patient=pat-marie", world["nurse"])
    page = text_of(marie.get("/app/portal/access"))
    assert page.count("Accès d'urgence (bris de verre)") >= 2  # the grant and the read under it
    assert "Raison : traitement d'urgence" in page
    assert "Patiente inconsciente aux urgences" in page
    assert "Ouverture d'un accès d'urgence" in page


def test_the_access_history_pages_backwards(
    marie: TestClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access_history_module, "EVENTS_PER_FETCH", 2)
    monkeypatch.setattr(access_history_module, "ROWS_PER_PAGE", 1)
    for _ in range(3):
        marie.get("/fhir/Patient/pat-marie", headers=world["nurse"])
    first = text_of(marie.get("/app/portal/access"))
    assert "Julie Roy" in first and "Ajout" not in first
    assert "Revenir aux accès les plus récents" not in first
    pages, link = [], re.search(r'href="/app/portal/access\?before=(\d+)"', first)
    while link and len(pages) < 40:
        pages.append(text_of(marie.get(f"/app/portal/access?before={link.group(1)}")))
        link = re.search(r'href="/app/portal/access\?before=(\d+)"', pages[-1])
    assert pages and all("Revenir aux accès les plus récents" in page for page in pages)
    assert any("Ajout" in page for page in pages)  # the oldest accesses: the records being written
    assert link is None  # the last page has no older one
    assert marie.get("/app/portal/access?before=not-a-number").status_code == 400


# -- sharing choices ---------------------------------------------------------------------------


def consent_body(patient_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "provision": {"type": "deny"},
    }


def consents(world: dict[str, Any]) -> list[dict[str, Any]]:
    response = world["fhir"].browser.get("/fhir/Consent?patient=pat-marie", headers=world["fhir"].system)
    return [e["resource"] for e in response.json().get("entry") or []]


def test_restricting_mental_health_hides_my_depression_from_a_nurse_until_i_withdraw_it(
    marie: TestClient, world: dict[str, Any]
) -> None:
    fhir: Fhir = world["fhir"]
    ids = world["ids"]
    assert fhir.ids("Condition?patient=pat-marie", world["nurse"]) == {ids["depression"], ids["anemia"]}

    done = post_form(marie, "/app/portal/sharing/categories", {"category_PSY": "on"})
    assert done.status_code == 303
    assert done.headers["location"] == "/app/portal/sharing?done=categories_saved"
    assert fhir.ids("Condition?patient=pat-marie", world["nurse"]) == {ids["anemia"]}

    (written,) = consents(world)
    assert written["status"] == "active"
    assert written["scope"]["coding"][0]["code"] == "patient-privacy"
    assert written["patient"] == {"reference": "Patient/pat-marie"}
    assert written["performer"][0]["reference"] == "Patient/pat-marie"
    assert written["dateTime"]
    assert written["provision"]["type"] == "deny"
    assert written["provision"]["securityLabel"][0]["code"] == "PSY"
    assert "actor" not in written["provision"]

    page = text_of(marie.get(done.headers["location"]))
    assert "vos choix de catégories sont enregistrés" in page
    assert "Catégorie restreinte pour tous : santé mentale" in page
    assert re.search(r'id="category-PSY" name="category_PSY"\s+aria-describedby="category-PSY-hint" checked', page)
    assert "bris de verre" in page  # the emergency access is explained

    again = post_form(marie, "/app/portal/sharing/categories", {"category_PSY": "on"})
    assert again.headers["location"].endswith("done=unchanged")

    withdrawn = post_form(marie, "/app/portal/sharing/categories", {})
    assert withdrawn.headers["location"].endswith("done=categories_saved")
    assert fhir.ids("Condition?patient=pat-marie", world["nurse"]) == {ids["depression"], ids["anemia"]}
    assert [c["status"] for c in consents(world)] == ["inactive"]


def test_refusing_all_sharing_leaves_only_my_identity_visible(marie: TestClient, world: dict[str, Any]) -> None:
    fhir: Fhir = world["fhir"]
    nurse = world["nurse"]
    unconfirmed = post_form(marie, "/app/portal/sharing/refusal", {"choice": "refuse"})
    assert unconfirmed.status_code == 400 and "cochez d&#39;abord la case" in unconfirmed.text
    assert consents(world) == []  # nothing written without the confirmation
    done = post_form(marie, "/app/portal/sharing/refusal", {"choice": "refuse", "confirm": "on"})
    assert done.headers["location"] == "/app/portal/sharing?done=refused"
    assert fhir.ids("Observation?patient=pat-marie", nurse) == set()
    assert fhir.ids("AllergyIntolerance?patient=pat-marie", nurse) == set()
    assert fhir.ids("Condition?patient=pat-marie", nurse) == set()
    assert marie.get("/fhir/Patient/pat-marie", headers=nurse).status_code == 200
    (refusal,) = consents(world)
    assert refusal["provision"] == {"type": "deny"}

    # I still see everything myself.
    assert "Arachides" in text_of(marie.get("/app/portal/"))
    page = text_of(marie.get("/app/portal/sharing"))
    assert "Vous refusez actuellement tout partage." in page and "Refus de tout partage" in page

    back = post_form(marie, "/app/portal/sharing/refusal", {"choice": "withdraw"})
    assert back.headers["location"] == "/app/portal/sharing?done=refusal_withdrawn"
    assert fhir.ids("AllergyIntolerance?patient=pat-marie", nurse) == {world["ids"]["allergy"]}


def test_restricting_an_organization_hides_my_record_from_its_clinicians_only(
    marie: TestClient, world: dict[str, Any]
) -> None:
    fhir: Fhir = world["fhir"]
    nurse, physician = world["nurse"], world["physician"]
    allergy = world["ids"]["allergy"]
    assert fhir.ids("AllergyIntolerance?patient=pat-marie", nurse) == {allergy}  # now in my access history

    page = marie.get("/app/portal/sharing").text
    assert 'value="Organization/org-04"' in page and 'value="Practitioner/prac-roy"' in page
    done = post_form(marie, "/app/portal/sharing/actors", {"actor": "Organization/org-04"})
    assert done.headers["location"] == "/app/portal/sharing?done=actor_restricted"
    assert fhir.ids("AllergyIntolerance?patient=pat-marie", nurse) == set()
    assert fhir.ids("AllergyIntolerance?patient=pat-marie", physician) == {allergy}
    (restriction,) = consents(world)
    assert restriction["provision"]["actor"][0]["reference"]["reference"] == "Organization/org-04"

    sharing = marie.get("/app/portal/sharing")
    assert "Tout le dossier restreint pour : CIUSSS de la Mauricie" in text_of(sharing)
    assert 'value="Organization/org-04"' not in sharing.text.split('id="actor"', 1)[-1]  # no longer offered
    token = csrf_of(sharing.text)
    rule = html.unescape(re.search(r'name="rule" value="([^"]+)"', sharing.text).group(1))
    consent_id = re.search(r'name="consent" value="([^"]+)"', sharing.text).group(1)
    withdrawn = marie.post(
        "/app/portal/sharing/withdraw",
        data={"csrf_token": token, "consent": consent_id, "rule": rule},
        follow_redirects=False,
    )
    assert withdrawn.headers["location"] == "/app/portal/sharing?done=withdrawn"
    assert fhir.ids("AllergyIntolerance?patient=pat-marie", nurse) == {allergy}


def test_only_listed_providers_and_my_own_choices_can_be_named(marie: TestClient, world: dict[str, Any]) -> None:
    assert marie.get("/fhir/Patient/pat-jean", headers=world["nurse"]).status_code == 200
    assert "Julie Roy" not in text_of(marie.get("/app/portal/access?mine=1"))  # she read Jeanne, not me
    assert post_form(marie, "/app/portal/sharing/actors", {"actor": "Organization/org-04"}).status_code == 400
    assert post_form(marie, "/app/portal/sharing/actors", {"actor": "Organization/org-06"}).status_code == 400
    assert post_form(marie, "/app/portal/sharing/actors", {"actor": "Patient/pat-jean"}).status_code == 400
    # Jeanne's own restriction cannot be withdrawn from Marie's session.
    jean = world["fhir"].post(consent_body("pat-jean"))
    response = post_form(marie, "/app/portal/sharing/withdraw", {"consent": jean, "rule": "refuse||"})
    assert response.status_code == 404
    status = world["fhir"].browser.get(f"/fhir/Consent/{jean}", headers=world["fhir"].system).json()["status"]
    assert status == "active"


def test_withdrawing_one_rule_of_a_consent_written_elsewhere_keeps_its_other_rules(
    marie: TestClient, world: dict[str, Any]
) -> None:
    fhir: Fhir = world["fhir"]
    labels = [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": code} for code in ("PSY", "HIV")]
    fhir.post({**consent_body("pat-marie"), "provision": {"type": "deny", "securityLabel": labels}})
    page = text_of(marie.get("/app/portal/sharing"))
    assert "Catégorie restreinte pour tous : santé mentale" in page and "Catégorie restreinte pour tous : VIH" in page

    done = post_form(marie, "/app/portal/sharing/categories", {"category_HIV": "on"})
    assert done.headers["location"].endswith("done=categories_saved")
    by_status = {c["status"]: c for c in consents(world)}
    assert set(by_status) == {"active", "inactive"}
    assert [label["code"] for label in by_status["active"]["provision"]["securityLabel"]] == ["HIV"]
    ids = world["ids"]
    assert fhir.ids("Condition?patient=pat-marie", world["nurse"]) == {ids["depression"], ids["anemia"]}


def test_a_form_without_the_session_csrf_token_changes_nothing(marie: TestClient, world: dict[str, Any]) -> None:
    missing = marie.post("/app/portal/sharing/refusal", data={"choice": "refuse"}, follow_redirects=False)
    forged = marie.post(
        "/app/portal/sharing/refusal", data={"choice": "refuse", "csrf_token": "forged"}, follow_redirects=False
    )
    assert missing.status_code == 403 and forged.status_code == 403
    assert consents(world) == []


# -- download -------------------------------------------------------------------------------


def test_download_returns_my_whole_record_and_nothing_of_another_patient(
    marie: TestClient, world: dict[str, Any]
) -> None:
    page = marie.get("/app/portal/download")
    assert page.status_code == 200 and "/app/portal/download/dossier.json" in page.text
    response = marie.get("/app/portal/download/dossier.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="dossier-pat-marie.json"'
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert response.headers["cache-control"] == "no-store"
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    found = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]}
    ids = world["ids"]
    assert ("Patient", "pat-marie") in found
    for key in ("allergy", "hb_old", "hb_new", "depression", "anemia"):
        assert any(res_id == ids[key] for _, res_id in found), key
    assert ("Patient", "pat-jean") not in found
    assert "pat-jean" not in response.text and ids["jean_hb"] not in response.text
    assert "Consultation du dossier complet" in text_of(marie.get("/app/portal/access?mine=1"))  # audited


# -- who may use the portal ----------------------------------------------------------------------


PORTAL_PAGES = (
    "/app/portal/",
    "/app/portal/labs",
    HEMOGLOBIN,
    "/app/portal/access",
    "/app/portal/sharing",
    "/app/portal/download",
    "/app/portal/download/dossier.json",
)


def login_only(browser: TestClient, username: str, totp_secret: str | None = None) -> None:
    """Log in up to the session cookie, without landing on the role's home page."""
    start = browser.get("/app/login?next=/app/portal/")
    form = {**hidden_fields(start.text), "username": username, "password": PASSWORD}
    if totp_secret:
        form["totp"] = pyotp.TOTP(totp_secret).now()
    code = browser.post("/oauth/authorize", data=form, follow_redirects=False)
    assert code.status_code == 303, code.text
    callback = browser.get(code.headers["location"], follow_redirects=False)
    assert callback.headers["location"] == "/app/portal/"


@pytest.mark.parametrize("role", ["nurse", "privacy_officer"])
def test_clinicians_and_privacy_officers_get_the_forbidden_page(
    browser: TestClient, world: dict[str, Any], role: str
) -> None:
    secret = pyotp.random_base32() if role == "privacy_officer" else None
    create_user(
        browser.app.state.engine,
        "staff",
        role=role,
        password=PASSWORD,
        display_name="Staff",
        practitioner_id="prac-staff" if role == "nurse" else None,
        organization_id="org-04",
        region_code="04",
        totp_secret=secret,
    )
    login_only(browser, "staff", secret)
    for path in PORTAL_PAGES:
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "Vous n'avez pas accès à cette information." in text_of(response)
    refused = browser.post("/app/portal/sharing/refusal", data={"choice": "refuse", "csrf_token": "x"})
    assert refused.status_code == 403
    assert consents(world) == []


def test_anonymous_visitors_are_sent_to_the_login(browser: TestClient) -> None:
    for path in PORTAL_PAGES:
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/app/login?next=")
    posted = browser.post("/app/portal/sharing/refusal", data={"choice": "refuse"}, follow_redirects=False)
    assert posted.status_code == 303


def test_a_parent_acting_for_a_child_sees_the_childs_record_and_name(
    browser: TestClient, world: dict[str, Any]
) -> None:
    fhir: Fhir = world["fhir"]
    fhir.put(patient("pat-leo", "Léo", "Tremblay", "2018-06-01"))
    fhir.post(
        {"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/pat-leo"}, "code": {"text": "Lait"}}
    )
    add_web_user(browser, "marie", "patient", patient_id="pat-marie", display_name="Marie Tremblay")
    link_child(browser.app.state.engine, "marie", "pat-leo")
    start = browser.get("/app/login")
    picker = browser.post(
        "/oauth/authorize",
        data={**hidden_fields(start.text), "username": "marie", "password": PASSWORD},
    )
    assert picker.status_code == 200 and 'name="patient"' in picker.text
    done = browser.post("/oauth/authorize", data={**hidden_fields(picker.text), "patient": "pat-leo"})
    assert done.status_code == 200 and str(done.url).startswith("http://testserver/app/")

    page = text_of(browser.get("/app/portal/"))
    assert "Vous consultez le dossier de Léo Tremblay, que vous représentez." in page
    assert "Lait" in page and "Arachides" not in page
    assert "Hémoglobine" not in text_of(browser.get("/app/portal/labs"))
    download = browser.get("/app/portal/download/dossier.json")
    assert download.headers["content-disposition"] == 'attachment; filename="dossier-pat-leo.json"'
    assert "pat-marie" not in download.text

    # A choice made for the child is the child's, performed by the parent's account.
    post_form(browser, "/app/portal/sharing/categories", {"category_HIV": "on"})
    response = browser.get("/fhir/Consent?patient=pat-leo", headers=fhir.system)
    (consent,) = [e["resource"] for e in response.json()["entry"]]
    assert consent["patient"] == {"reference": "Patient/pat-leo"}
    assert consent["performer"][0]["display"] == "Marie Tremblay"
    assert "reference" not in consent["performer"][0]


def test_an_account_whose_record_has_not_reached_dsn_yet_gets_a_page_that_says_so(browser: TestClient) -> None:
    add_web_user(browser, "nouveau", "patient", patient_id="pat-not-yet")
    landing = web_login(browser, "nouveau")
    assert "Aucun dossier à votre nom n'a encore été transmis au DSN." in html.unescape(landing)
    for path in ("/app/portal/labs", "/app/portal/access", "/app/portal/sharing", "/app/portal/download"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "Aucun dossier à votre nom" in text_of(response), path


# -- every message exists in both languages --------------------------------------------------


def test_every_message_the_portal_builds_exists_in_french_and_english() -> None:
    keys = [f"portal_action_{a}" for a in ACTION_WORDS]
    keys += [f"portal_kind_{k}" for k in KINDS]
    keys += [f"portal_reason_{r}" for r in REASONS]
    keys += [f"portal_review_{d}" for d in REVIEW_DECISIONS.values()]
    keys += [f"portal_done_{d}" for d in DONE]
    keys += [f"portal_category_{part}_{c}" for c in CATEGORY_LABELS for part in ("name", "hint")]
    for language in ("fr", "en"):
        messages = catalog(language)
        assert [k for k in keys if k not in messages] == []
