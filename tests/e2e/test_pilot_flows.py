"""The pilot's flows in a real browser, in French and again in English.

1. A Mauricie nurse finds the showcase patient, whose lab results and allergy were
   recorded in the Nord-de-l'Île-de-Montréal CIUSSS, and sees them with their source.
2. The patient logs in and sees that access in "who accessed my record".
3. The patient restricts mental-health information; the nurse no longer sees it; a
   physician breaks the glass and sees it; the patient sees the break-the-glass access
   marked; the privacy officer finds it in the review queue.
4. The same flows in English (the ``demo`` fixture runs every test in both languages).

The tests of a language share one demo server; each test makes the accesses it checks,
so it holds whatever order the tests of that server run in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest

from dsn.demo.accounts import DEMO_PASSWORD, PRIVACY_OFFICER_TOTP_SECRET
from dsn.demo.showcase import SHOWCASE
from tests.e2e.conftest import DemoServer
from tests.support.accessibility import accessibility_problems

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NURSE = ("infirmiere.mauricie", "Isabelle Trudel")
PHYSICIAN = ("medecin.mauricie", "Marc-André Gélinas")
OFFICER = "confidentialite"
ALLERGY = "Pénicilline"  # clinical terms are shown as recorded (French), in both UIs
HBA1C = "Hémoglobine glyquée (HbA1c)"
DEPRESSION = "Trouble dépressif"
LAB_SITE = "Hôpital Sainte-Aurélie-du-Nord"
LAB_REGION = "Nord-de-l'Île-de-Montréal"

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "sign_in": "Se connecter",
        "search": "Rechercher",
        "name": "Nom",
        "restricted": "Partage restreint",
        "btg_offer": "Demander un accès d'urgence",
        "btg_submit": "Ouvrir l'accès d'urgence",
        "btg_active": "Accès d'urgence actif",
        "access_nav": "Qui a consulté mon dossier",
        "sharing_nav": "Partage de mes renseignements",
        "review_nav": "Bris de verre à réviser",
        "btg_mark": "bris de verre",
        "logout": "Se déconnecter",
    },
    "en": {
        "sign_in": "Sign in",
        "search": "Search",
        "name": "Name",
        "restricted": "Sharing restricted",
        "btg_offer": "Request emergency access",
        "btg_submit": "Open emergency access",
        "btg_active": "Emergency access active",
        "access_nav": "Who accessed my record",
        "sharing_nav": "Sharing my information",
        "review_nav": "Break-the-glass review",
        "btg_mark": "break-the-glass",
        "logout": "Sign out",
    },
}


class Session:
    """One person in one browser context (their own cookies), taking screenshots as they go."""

    def __init__(
        self, browser: Any, server: DemoServer, language: str, artifacts: Path, who: str, width: int = 1024
    ) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-CA")
        self.width = width
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.server = server
        self.language = language
        self.words = WORDS[language]
        self.artifacts = artifacts
        self.who = who

    def shot(self, step: str) -> None:
        """Save a screenshot, and check the page as a screen reader and a tablet would meet it."""
        self.page.screenshot(path=str(self.artifacts / f"{self.language}-{step}-{self.who}.png"), full_page=True)
        assert accessibility_problems(self.page.content()) == [], step
        overflow = self.page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= self.width, f"{step}: the page is {overflow}px wide in a {self.width}px window"

    def login(self, username: str, totp_secret: str | None = None) -> None:
        page = self.page
        page.goto(f"{self.server.url}/app/?lang={self.language}")
        page.get_by_role("link", name=self.words["sign_in"]).click()
        page.locator("#username").fill(username)
        page.locator("#password").fill(DEMO_PASSWORD)
        if totp_secret and page.locator("#totp").count() == 0:
            page.get_by_role("button", name=self.words["sign_in"]).click()
            page.locator("#password").fill(DEMO_PASSWORD)
        if totp_secret:
            page.locator("#totp").fill(pyotp.TOTP(totp_secret).now())
        page.get_by_role("button", name=self.words["sign_in"]).click()
        page.wait_for_url(re.compile(r".*/app/(chart|portal|privacy)/.*"))
        assert page.locator("html").get_attribute("lang") == ("fr-CA" if self.language == "fr" else "en-CA")

    def nav(self, key: str) -> None:
        """Follow a link of the main navigation (the same words may also appear in the page)."""
        self.page.get_by_role("navigation").get_by_role("link", name=self.words[key]).click()

    def open_showcase_chart(self) -> None:
        page = self.page
        page.get_by_label(self.words["name"], exact=True).fill("belanger genevieve")
        page.get_by_role("button", name=self.words["search"]).click()
        page.get_by_role("link", name=SHOWCASE.name).click()
        page.wait_for_url(re.compile(rf".*/app/chart/patient/{SHOWCASE.id}$"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def people(demo: tuple[DemoServer, str], browser: Any, artifacts: Path) -> Any:
    server, language = demo
    opened: list[Session] = []

    def open_session(who: str, width: int = 1024) -> Session:
        session = Session(browser, server, language, artifacts, who, width)
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()


def test_1_a_mauricie_nurse_sees_the_montreal_labs_and_allergy_with_their_source(people: Any) -> None:
    nurse = people("nurse", width=768)  # a tablet held upright
    nurse.login(NURSE[0])
    nurse.open_showcase_chart()
    page = nurse.page
    nurse.shot("1a-chart")
    allergy = page.locator("li", has_text=ALLERGY).first
    assert LAB_SITE in allergy.inner_text()
    lab_row = page.locator("tr", has_text=HBA1C).first
    assert LAB_SITE in lab_row.inner_text() and LAB_REGION in lab_row.inner_text()
    lab_row.get_by_role("link", name=HBA1C).click()
    page.wait_for_url(re.compile(r".*/lab\?.*"))
    assert page.locator("figure.chart svg").count() == 1
    assert page.locator("svg .range").count() == 1  # the reference range band
    assert page.locator("table tbody tr").count() >= 8
    nurse.shot("1b-lab-trend")


def test_2_the_patient_sees_the_nurse_in_who_accessed_my_record(people: Any) -> None:
    nurse = people("nurse")
    nurse.login(NURSE[0])
    nurse.open_showcase_chart()  # this test's own access, whatever ran before it
    patient = people("patient")
    patient.login(SHOWCASE.username)
    page = patient.page
    patient.nav("access_nav")
    page.wait_for_url(re.compile(r".*/app/portal/access.*"))
    assert page.get_by_text(NURSE[1]).first.is_visible()
    patient.shot("2-who-accessed")


def test_3_restriction_then_break_the_glass_then_review(people: Any) -> None:
    words = WORDS
    patient = people("patient")
    patient.login(SHOWCASE.username)
    page = patient.page
    patient.nav("sharing_nav")
    page.locator("#category-PSY").check()
    page.locator("form", has=page.locator("#category-PSY")).get_by_role("button").click()
    page.wait_for_url(re.compile(r".*/app/portal/sharing.*"))
    assert page.locator("#category-PSY").is_checked()
    patient.shot("3a-restricted")

    nurse = people("nurse")
    nurse.login(NURSE[0])
    nurse.open_showcase_chart()
    assert nurse.page.get_by_text(nurse.words["restricted"]).first.is_visible()
    assert nurse.page.get_by_text(DEPRESSION).count() == 0
    assert nurse.page.get_by_text(ALLERGY).first.is_visible()  # the rest of the record is still shared
    nurse.shot("3b-nurse-restricted")

    physician = people("physician")
    physician.login(PHYSICIAN[0])
    physician.open_showcase_chart()
    assert physician.page.get_by_text(DEPRESSION).count() == 0
    physician.page.get_by_role("link", name=physician.words["btg_offer"]).click()
    physician.page.locator("input[name=reason]").first.check()
    physician.page.locator("textarea[name=justification]").fill(
        "Patiente confuse à l'urgence; vérifier les interactions de la médication psychiatrique."
    )
    physician.shot("3c-break-glass-form")
    physician.page.get_by_role("button", name=physician.words["btg_submit"]).click()
    physician.page.wait_for_url(re.compile(rf".*/app/chart/patient/{SHOWCASE.id}$"))
    assert physician.page.get_by_text(physician.words["btg_active"]).first.is_visible()
    assert physician.page.get_by_text(DEPRESSION).first.is_visible()
    physician.shot("3d-after-break-glass")

    patient.nav("access_nav")
    btg_row = page.locator("tr", has_text=PHYSICIAN[1]).filter(
        has_text=re.compile(words[patient.language]["btg_mark"], re.IGNORECASE)
    )
    assert btg_row.count() >= 1
    patient.shot("3e-patient-sees-break-glass")

    officer = people("officer")
    officer.login(OFFICER, PRIVACY_OFFICER_TOTP_SECRET)
    officer.nav("review_nav")
    officer.page.wait_for_url(re.compile(r".*/app/privacy/review.*"))
    body = officer.page.locator("main").inner_text()
    assert PHYSICIAN[1] in body and SHOWCASE.name in body
    officer.shot("3f-review-queue")
