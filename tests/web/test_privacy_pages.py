"""The privacy officer's pages over HTTP: access-log search, CSV, break-the-glass review, chain check.

The audit data is real: a nurse reads a patient through the FHIR API, breaks the glass
and reads again; the privacy officer logs in through the real SMART login (with TOTP)
and works the pages. Both backends (the ``app`` fixture).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text

from dsn.audit.query import DECISIONS, Review
from dsn.audit.record import REST_ACTIONS, SPECIAL_EVENTS, Agent, AuditRecord
from dsn.audit.verify import Break, VerifyReport
from dsn.config import Settings
from dsn.security.regions import upsert_region
from dsn.security.users import create_user
from dsn.web.i18n import Translator
from dsn.web.messages import catalog
from dsn.web.pages import privacy as privacy_pages
from dsn.web.privacy import labels
from dsn.web.privacy import review as review_module
from dsn.web.privacy.criteria import FIELDS, Criteria
from dsn.web.privacy.events import event_row
from dsn.web.privacy.integrity import describe, parse
from dsn.web.privacy.review import QueueItem
from dsn.web.sessions import find_session
from tests.audit.support import tampering
from tests.support.accessibility import accessibility_problems
from tests.support.auth import bearer
from tests.support.web import PASSWORD, add_web_user, csrf_of, hidden_fields, web_login

FHIR = {"Content-Type": "application/fhir+json"}
REGION = "04"
JUSTIFICATION = "Patiente inconsciente, allergies inconnues"


@dataclass
class Scene:
    officer: TestClient
    nurse_api: TestClient
    bergeron: str
    dube: str


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def _api(app: FastAPI, settings: Settings, **claims: object) -> TestClient:
    """A client of the FHIR API, used without ``with``: leaving one would run the app's shutdown."""
    return TestClient(app, base_url="http://testserver", headers=bearer(settings, **claims))


@pytest.fixture
def scene(app: FastAPI, settings: Settings, browser: TestClient) -> Scene:
    engine = app.state.engine
    upsert_region(engine, REGION, "Mauricie-et-Centre-du-Québec", organization_id=None, live=True)
    system = _api(app, settings)
    ids = [
        system.post(
            "/fhir/Patient",
            json={"resourceType": "Patient", "name": [{"family": family, "given": [given]}]},
            headers=FHIR,
        ).json()["id"]
        for given, family in (("Lucie", "Bergeron"), ("Marc", "Dubé"))
    ]
    nurse = _api(
        app,
        settings,
        kind="user",
        subject="u-nurse",
        display="Julie Roy",
        role="nurse",
        scopes=("user/*.cruds",),
        organization="org-chu",
        region=REGION,
        fhir_user="Practitioner/pr-roy",
    )
    assert nurse.get(f"/fhir/Patient/{ids[0]}").status_code == 200
    opened = nurse.post(
        f"/fhir/Patient/{ids[0]}/$break-the-glass",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "reason", "valueCode": "ETREAT"},
                {"name": "justification", "valueString": JUSTIFICATION},
            ],
        },
        headers=FHIR,
    )
    assert opened.status_code == 201, opened.text
    assert nurse.get(f"/fhir/Patient/{ids[0]}").status_code == 200
    assert nurse.get("/fhir/AuditEvent").status_code == 403  # a refusal, audited
    secret = pyotp.random_base32()
    create_user(
        engine,
        "vigie",
        role="privacy_officer",
        password=PASSWORD,
        region_code=REGION,
        totp_secret=secret,
        display_name="Agente Vigie",
    )
    web_login(browser, "vigie", totp_secret=secret)
    return Scene(browser, nurse, ids[0], ids[1])


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>.*?</tr>", body, re.DOTALL)


def _seqs(rows: list[str]) -> list[int]:
    return [int(re.search(r"n° (\d+)", row).group(1)) for row in rows]  # type: ignore[union-attr]


# -- the access log -----------------------------------------------------------------------


def test_the_search_finds_the_nurse_reading_the_patient_in_human_terms(scene: Scene) -> None:
    page = scene.officer.get("/app/privacy/", params={"patient": scene.bergeron})
    assert page.status_code == 200, page.text
    rows = _rows(page.text)
    assert len(rows) >= 3  # read, break-the-glass, read under the grant
    nurse_rows = [row for row in rows if "Julie Roy" in row]
    assert len(nurse_rows) >= 3
    assert all("Lucie Bergeron" in row for row in nurse_rows)
    assert any("Consultation d&#39;une ressource" in row for row in nurse_rows)
    assert all("infirmière ou infirmier" in row for row in nurse_rows)
    opening = next(row for row in nurse_rows if "Bris de verre (ouverture" in row)
    assert "Traitement d&#39;urgence" in opening and JUSTIFICATION in opening
    assert 'class="badge danger"' in opening
    assert sum('class="badge danger">Bris de verre' in row for row in nurse_rows) >= 2  # the grant and the read
    assert re.search(r"\d{1,2} h \d{2}", page.text), "dates in Quebec French"
    assert '<th scope="col">' in page.text and "<caption" in page.text
    assert 'lang="fr-CA"' in page.text


def test_filters_narrow_the_search(scene: Scene) -> None:
    officer = scene.officer
    opened = _rows(officer.get("/app/privacy/", params={"agent": "u-nurse", "subtype": "break-glass"}).text)
    assert len(opened) == 1 and "Julie Roy" in opened[0]
    flagged = _rows(officer.get("/app/privacy/", params={"btg": "1"}).text)
    assert len(flagged) >= 2 and all("Bris de verre" in row for row in flagged)
    refused = _rows(officer.get("/app/privacy/", params={"agent": "u-nurse", "outcome": "4"}).text)
    assert len(refused) == 1 and "Refusé" in refused[0] and "403" in refused[0]
    reads = _rows(officer.get("/app/privacy/", params={"agent": "u-nurse", "action": "R"}).text)
    assert reads and all("Lecture" in row for row in reads)
    other = officer.get("/app/privacy/", params={"patient": scene.dube, "agent": "u-nurse"})
    assert _rows(other.text) == [] and "Aucun accès ne répond" in other.text
    today = officer.get("/app/privacy/", params={"agent": "u-nurse", "from": "2020-01-01", "to": "2999-12-31"})
    assert len(_rows(today.text)) >= 4
    assert _rows(officer.get("/app/privacy/", params={"from": "2999-01-01"}).text) == []
    # A user name is looked up: the officer's own searches are in the log under her id.
    own = _rows(officer.get("/app/privacy/", params={"agent": "vigie", "subtype": "search-type"}).text)
    assert own and all("Agente Vigie" in row for row in own)


def test_mistakes_in_the_form_are_shown_next_to_their_field_and_nothing_is_searched(scene: Scene) -> None:
    page = scene.officer.get("/app/privacy/", params={"from": "2024-03-05", "to": "2024-03-01", "patient": "a b"})
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert 'id="f-to"' in page.text and 'aria-invalid="true"' in page.text
    assert "la date de fin précède la date de début" in page.text
    assert 'href="#f-patient"' in page.text
    assert "<tbody>" not in page.text


def test_pages_of_results_follow_the_services_cursor(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privacy_pages, "PAGE_SIZE", 2)
    first = scene.officer.get("/app/privacy/", params={"agent": "u-nurse"})
    assert len(_rows(first.text)) == 2
    found = re.search(r'href="(/app/privacy/\?[^"]*page=\d+[^"]*)" rel="next"', first.text)
    assert found, "a link to the next page"
    second = scene.officer.get(html.unescape(found.group(1)).split("#")[0])
    assert "agent=u-nurse" in html.unescape(found.group(1))
    assert len(_rows(second.text)) == 2
    assert max(_seqs(_rows(second.text))) < min(_seqs(_rows(first.text)))
    assert "Revenir aux plus récents" in second.text


def test_the_csv_export_has_the_same_selection_and_is_audited(scene: Scene) -> None:
    page = scene.officer.get("/app/privacy/", params={"patient": scene.bergeron})
    link = re.search(r'href="(/app/privacy/export\.csv[^"]*)"', page.text)
    assert link and f"patient={scene.bergeron}" in html.unescape(link.group(1))
    response = scene.officer.get(html.unescape(link.group(1)))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    nurse = [row for row in table if row["user_id"] == "u-nurse"]
    assert len(nurse) >= 3 and all(scene.bergeron in row["patients"] for row in nurse)
    assert any(row["break_glass"] == "true" for row in nurse)
    exports = _rows(scene.officer.get("/app/privacy/", params={"subtype": "export"}).text)
    assert len(exports) == 1 and "Agente Vigie" in exports[0]


# -- the break-the-glass review -----------------------------------------------------------


def _episodes(page: str) -> dict[str, list[int]]:
    """The queue's cards: each episode's key (``<h2 id="episode-<key>"``) and the record numbers its table lists."""
    cards = re.findall(r'<h2 id="episode-([\w-]+)">(.*?)</section>', page, re.DOTALL)
    return {key: [int(n) for n in re.findall(r'<tr data-seq="(\d+)"', card)] for key, card in cards}


def _queue_seqs(page: str) -> list[int]:
    return [seq for seqs in _episodes(page).values() for seq in seqs]


def _only_episode(page: str) -> tuple[str, list[int]]:
    """The scene's one emergency access: its card's key and its records."""
    episodes = _episodes(page)
    assert len(episodes) == 1, episodes
    return next(iter(episodes.items()))


def _card(page: str, key: str) -> str:
    return page.split(f'<h2 id="episode-{key}">', 1)[1].split("</section>", 1)[0]


def _form_seqs(page: str, key: str) -> str:
    found = re.search(r'name="seqs" value="([^"]*)"', _card(page, key))
    assert found, f"episode {key} has no decision form"
    return found.group(1)


def _decide(officer: TestClient, page: str, key: str, decision: str, comment: str = "", **extra: str) -> Response:
    data = {"csrf_token": csrf_of(page), "seqs": _form_seqs(page, key), "decision": decision, "comment": comment}
    return officer.post("/app/privacy/review/episode", data=data | extra, follow_redirects=False)


def _reviews_logged(officer: TestClient, outcome: str = "0") -> list[str]:
    """The review records in the access log (``outcome="4"``: the refused ones)."""
    return _rows(officer.get("/app/privacy/", params={"subtype": "review", "outcome": outcome}).text)


def test_the_queue_shows_one_card_per_emergency_access_with_its_reason(scene: Scene) -> None:
    assert scene.nurse_api.get(f"/fhir/Patient/{scene.bergeron}").status_code == 200  # a second read, same grant
    page = scene.officer.get("/app/privacy/review")
    assert page.status_code == 200, page.text
    key, seqs = _only_episode(page.text)  # the opening and the two reads under it: one event to judge
    assert len(seqs) == 3 and seqs == sorted(seqs) and key == str(seqs[0])  # the opening first, its seq the card's
    card = _card(page.text, key)
    assert f"Accès d&#39;urgence n° {seqs[0]}" in card
    assert card.count("Traitement d&#39;urgence") == 1 and JUSTIFICATION in card
    assert "Julie Roy" in card and "Lucie Bergeron" in card and "infirmière ou infirmier" in card
    assert "Bris de verre (ouverture" in card and card.count('class="badge danger">À réviser') == 4  # title + rows
    assert card.count('action="/app/privacy/review/episode"') == 1 and 'name="csrf_token"' in card
    assert _form_seqs(page.text, key) == ",".join(map(str, seqs))
    assert f'<label for="d-{key}-justified" class="inline">Justifié</label>' in card
    assert f'<label for="c-{key}">' in card and '<th scope="row">' in card and "<caption" in card
    assert accessibility_problems(page.text) == []


def test_an_episode_decision_takes_all_its_records_out_of_the_queue_and_audits_each(scene: Scene) -> None:
    officer = scene.officer
    page = officer.get("/app/privacy/review")
    key, seqs = _only_episode(page.text)
    done = _decide(officer, page.text, key, "justified", "Urgence confirmée")
    assert done.status_code == 303
    assert done.headers["location"] == f"/app/privacy/review?reviewed={len(seqs)}"
    after = officer.get(done.headers["location"])
    assert f"Décision enregistrée pour {len(seqs)} accès." in after.text
    assert _episodes(after.text) == {} and "Aucun bris de verre n&#39;attend de révision." in after.text
    everything = officer.get("/app/privacy/review", params={"show": "all"})
    assert _episodes(everything.text) == {key: seqs}
    card = _card(everything.text, key)
    assert card.count('class="badge ok">Justifié') == 1 + len(seqs)  # title + each record
    assert card.count("Urgence confirmée") == 1 and "Agente Vigie" in card  # one decision, one line of history
    assert f"(n° {', '.join(map(str, seqs))})" in card
    assert _form_seqs(everything.text, key) == ",".join(map(str, seqs))  # a decided episode can be revised whole
    assert "sont déjà révisés" in card and accessibility_problems(everything.text) == []
    reviews = _reviews_logged(officer)
    assert len(reviews) == len(seqs)  # each review is its own audit record
    assert all("Agente Vigie" in row and "Lucie Bergeron" in row for row in reviews)
    assert sorted(int(n) for row in reviews for n in re.findall(r"AuditEvent/(\d+)", row)) == seqs
    again = _decide(officer, everything.text, key, "not-justified", show="all")
    assert again.headers["location"] == f"/app/privacy/review?show=all&reviewed={len(seqs)}"


def test_needs_follow_up_keeps_the_episode_in_the_queue_with_its_history(scene: Scene) -> None:
    officer = scene.officer
    page = officer.get("/app/privacy/review")
    key, seqs = _only_episode(page.text)
    _decide(officer, page.text, key, "needs-follow-up", "Appeler l'unité")
    after = officer.get("/app/privacy/review")
    assert _episodes(after.text) == {key: seqs}
    card = _card(after.text, key)
    assert card.count('class="badge warn">Suivi requis') == 1 + len(seqs)
    assert card.count("Appeler l&#39;unité") == 1 and "Révisions précédentes" in card
    assert _form_seqs(after.text, key) == ",".join(map(str, seqs))  # still to decide
    assert "Décision enregistrée pour" not in after.text


def test_the_single_record_route_still_decides_one_record(scene: Scene) -> None:
    officer = scene.officer
    page = officer.get("/app/privacy/review")
    key, seqs = _only_episode(page.text)
    done = officer.post(
        f"/app/privacy/review/{seqs[-1]}",
        data={"csrf_token": csrf_of(page.text), "decision": "justified"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/app/privacy/review?reviewed=1"
    after = officer.get(done.headers["location"])
    assert "Décision enregistrée pour 1 accès." in after.text
    assert _episodes(after.text) == {key: seqs[:-1]}
    assert len(_reviews_logged(officer)) == 1


def test_an_opening_not_found_groups_the_reads_by_user_and_patient(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = scene.officer
    page = officer.get("/app/privacy/review")
    seqs = _only_episode(page.text)[1]
    officer.post(f"/app/privacy/review/{seqs[0]}", data={"csrf_token": csrf_of(page.text), "decision": "justified"})
    monkeypatch.setattr(review_module, "audit_search", lambda *_args: {"resourceType": "Bundle", "entry": []})
    orphan = officer.get("/app/privacy/review")
    assert _episodes(orphan.text) == {f"r{seqs[-1]}": seqs[1:]}
    card = _card(orphan.text, f"r{seqs[-1]}")
    assert "Consultations en bris de verre de Julie Roy (ouverture non trouvée)" in card
    assert "Lucie Bergeron" in card and card.count("Non trouvé") == 3  # opened, reason, justification
    assert accessibility_problems(orphan.text) == []


def test_episode_forms_need_the_csrf_token_a_known_decision_and_genuine_records(scene: Scene) -> None:
    officer = scene.officer
    page = officer.get("/app/privacy/review")
    key, seqs = _only_episode(page.text)
    good = _form_seqs(page.text, key)
    token = csrf_of(page.text)
    refused = _seqs(_rows(officer.get("/app/privacy/", params={"agent": "u-nurse", "outcome": "4"}).text))[0]

    def post(**data: str) -> int:
        return officer.post("/app/privacy/review/episode", data=data, follow_redirects=False).status_code

    assert post(csrf_token="forged", seqs=good, decision="justified") == 403
    assert post(seqs=good, decision="justified") == 403
    assert post(csrf_token=token, seqs=good, decision="peut-être") == 400
    assert post(csrf_token=token, seqs=good, decision="justified", comment="x" * 2001) == 400
    for forged in ("", "abc", f"{seqs[0]},", f"{seqs[0]};{seqs[1]}", f" {seqs[0]}", "1.5", "-3", "²", "9" * 19):
        assert post(csrf_token=token, seqs=forged, decision="justified") == 400, forged
    assert post(csrf_token=token, seqs=",".join([str(seqs[0])] * 201), decision="justified") == 400
    # Not a break-the-glass record (the nurse's refused search), or no record at all: the service refuses
    # the whole list before it records anything, whatever the order.
    assert post(csrf_token=token, seqs=f"{good},{refused}", decision="justified") == 404
    assert post(csrf_token=token, seqs=f"{good},999999", decision="justified") == 404
    assert _episodes(officer.get("/app/privacy/review").text) == {key: seqs}
    assert _reviews_logged(officer) == []
    assert len(_reviews_logged(officer, outcome="4")) == 2  # each refusal is in the log
    single = officer.post(f"/app/privacy/review/{seqs[0]}", data={"csrf_token": token, "decision": "peut-être"})
    assert single.status_code == 400
    assert post(csrf_token=token, seqs=",".join([str(seqs[0])] * 200), decision="needs-follow-up") == 303
    assert len(_reviews_logged(officer)) == 1  # the same record named twice is reviewed once


# -- the audit chain's integrity ----------------------------------------------------------


def test_the_integrity_check_runs_on_demand_and_names_a_tampered_record(scene: Scene, app: FastAPI) -> None:
    officer = scene.officer
    signed = app.state.service.audit_log.checkpoint()
    assert signed is not None
    before = officer.get("/app/privacy/integrity")
    assert before.status_code == 200, before.text
    assert "jamais été vérifié" in before.text
    assert f"à l&#39;enregistrement n° {signed.seq}, signé le " in before.text
    ran = officer.post("/app/privacy/integrity", data={"csrf_token": csrf_of(before.text)}, follow_redirects=False)
    assert ran.status_code == 303 and ran.headers["location"] == "/app/privacy/integrity?ran=1"
    ok = officer.get(ran.headers["location"])
    assert "Intact" in ok.text and "Aucune altération" in ok.text
    assert "Agente Vigie" in ok.text and re.search(r"\d{1,2} h \d{2}", ok.text)
    assert re.search(r"<dt>Points de contrôle vérifiés</dt>\s*<dd>1</dd>", ok.text)
    viewed = _rows(officer.get("/app/privacy/", params={"agent": "vigie", "subtype": "search-type"}).text)
    assert any("subtype=audit-verify" in row for row in viewed), "viewing the result is audited"
    with tampering(app.state.engine) as conn:
        conn.execute(text("UPDATE audit_log SET user_id = 'quelqu-un' WHERE seq = 2"))
    officer.post("/app/privacy/integrity", data={"csrf_token": csrf_of(ok.text)})
    broken = officer.get("/app/privacy/integrity")
    assert "Altéré" in broken.text
    assert "Premier enregistrement touché : n° 2." in broken.text
    assert "Un enregistrement a été modifié" in broken.text
    checks = _rows(officer.get("/app/privacy/", params={"subtype": "audit-verify"}).text)
    assert len(checks) == 2 and all("Vérification de l&#39;intégrité du journal" in row for row in checks)


def test_running_the_check_needs_the_csrf_token(scene: Scene) -> None:
    response = scene.officer.post("/app/privacy/integrity", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert "jamais été vérifié" in scene.officer.get("/app/privacy/integrity").text


# -- who may use the pages ------------------------------------------------------------------

PAGES = ("/app/privacy/", "/app/privacy/review", "/app/privacy/integrity", "/app/privacy/export.csv")


@pytest.mark.parametrize("role", ["nurse", "patient", "admin"])
def test_other_roles_get_the_forbidden_page(scene: Scene, app: FastAPI, role: str) -> None:
    other = TestClient(app, base_url="http://testserver")  # no ``with``: see _api
    secret = pyotp.random_base32() if role == "admin" else None
    patient = scene.dube if role == "patient" else None
    add_web_user(other, f"u-{role}", role, region=REGION, patient_id=patient, totp_secret=secret)
    token = _login_elsewhere(other, f"u-{role}", secret)
    for path in PAGES:
        response = other.get(path)
        assert response.status_code == 403, path
        assert "Vous n&#39;avez pas accès à cette information." in response.text
    assert other.post("/app/privacy/integrity", data={"csrf_token": token}).status_code == 403
    seq = _queue_seqs(scene.officer.get("/app/privacy/review").text)[0]
    decided = other.post(f"/app/privacy/review/{seq}", data={"csrf_token": token, "decision": "justified"})
    assert decided.status_code == 403
    episode = other.post(
        "/app/privacy/review/episode", data={"csrf_token": token, "seqs": str(seq), "decision": "justified"}
    )
    assert episode.status_code == 403
    assert seq in _queue_seqs(scene.officer.get("/app/privacy/review").text)
    refusals = _rows(scene.officer.get("/app/privacy/", params={"agent": f"u-{role}", "outcome": "4"}).text)
    assert len(refusals) >= len(PAGES) and all("Refusé" in row for row in refusals)


def _login_elsewhere(client: TestClient, username: str, totp_secret: str | None) -> str:
    """Log in without opening the role's home page (another area's); the session's CSRF token."""
    form = hidden_fields(client.get("/app/login").text)
    form.update(username=username, password=PASSWORD)
    if totp_secret:
        form["totp"] = pyotp.TOTP(totp_secret).now()
    callback = client.post("/oauth/authorize", data=form, follow_redirects=False).headers["location"]
    assert callback.startswith("http://testserver/app/callback") or callback.startswith("/app/callback"), callback
    assert client.get(callback, follow_redirects=False).status_code == 303
    session = find_session(client.app.state.engine, client.cookies.get("dsn_web"), now=int(time.time()))
    assert session is not None
    return session.csrf


def test_anonymous_visitors_are_sent_to_the_login(browser: TestClient) -> None:
    for path in PAGES:
        response = browser.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/app/login?next=")
    assert browser.post("/app/privacy/integrity", follow_redirects=False).status_code == 303


def test_the_pages_speak_english_on_request(scene: Scene) -> None:
    search = scene.officer.get("/app/privacy/", params={"patient": scene.bergeron, "lang": "en"})
    assert 'lang="en-CA"' in search.text and "Access log" in search.text
    assert "Emergency treatment" in search.text and "nurse" in search.text
    assert re.search(r"\d{1,2}:\d{2} [ap]\.m\.", search.text)
    review = scene.officer.get("/app/privacy/review").text
    key, seqs = _only_episode(review)
    assert "Break-the-glass accesses to review" in review and f"Emergency access no. {key}" in review
    assert "Emergency treatment" in review and f"Record the decision — Emergency access no. {key}" in review
    assert f"applies to the records awaiting review: no. {', '.join(map(str, seqs))}." in review
    assert accessibility_problems(review) == []
    done = _decide(scene.officer, review, key, "justified")
    assert f"Decision recorded for {len(seqs)} accesses." in scene.officer.get(done.headers["location"]).text
    assert "Integrity of the access log" in scene.officer.get("/app/privacy/integrity").text


# -- the pieces, without HTTP ------------------------------------------------------------------


AGENT = Agent(
    kind="user",
    user_id="u-1",
    display="Dre Tremblay",
    role="physician",
    organization="org-1",
    region="06",
    client_id="chart",
    network_address="10.1.2.3",
    fhir_user="Practitioner/pr-1",
)


@pytest.mark.parametrize(
    "subtype",
    sorted({*REST_ACTIONS, *SPECIAL_EVENTS, *labels.SUBTYPES} - {"operation"}),
)
def test_events_read_back_as_the_record_that_wrote_them(subtype: str) -> None:
    record = AuditRecord(
        AGENT,
        subtype,
        outcome=4,
        patient_ids=("p-1", "p-2"),
        entities=("Observation/o-1",),
        query="patient=p-1",
        request_id="req-1",
        break_glass=True,
        detail="ETREAT: urgence",
    )
    row = event_row(record.to_event(7))
    assert (row.seq, row.subtype, row.action, row.outcome) == (7, subtype, record.action, 4)
    assert (row.user_id, row.user_display, row.role) == ("u-1", "Dre Tremblay", "physician")
    assert (row.organization, row.region, row.client_id, row.network) == ("org-1", "06", "chart", "10.1.2.3")
    assert row.patients == ("p-1", "p-2") and row.resources == ("Observation/o-1",)
    assert (row.query, row.request_id, row.break_glass, row.detail) == ("patient=p-1", "req-1", True, "ETREAT: urgence")


def test_every_code_the_pages_put_in_words_has_words_in_both_languages() -> None:
    for language in ("fr", "en"):
        t = Translator(language)
        messages = catalog(language)
        keys = [f"privacy_subtype_{labels.slug(code)}" for code in labels.SUBTYPES]
        keys += [f"privacy_action_{labels.slug(code)}" for code in labels.ACTIONS]
        keys += [f"privacy_outcome_{code}" for code in labels.OUTCOMES]
        keys += [f"privacy_decision_{labels.slug(code)}" for code in DECISIONS]
        keys += [f"privacy_break_{labels.slug(kind)}" for kind in labels.BREAK_KINDS]
        keys += [f"privacy_field_{name}" for name in FIELDS]
        keys += [group for group, _ in labels.SUBTYPE_GROUPS]
        assert [key for key in keys if key not in messages] == []
        assert labels.reason_label(t, "ETREAT") != "ETREAT"
    errors = Criteria.from_query({"patient": "a b", "from": "x", "to": "y", "action": "Z", "outcome": "3", "btg": "2"})
    assert all(key in catalog("fr") for key in errors.errors.values())


def test_every_kind_of_break_verify_reports_has_words() -> None:
    from dsn.audit import verify as verify_module

    source = Path(verify_module.__file__).read_text(encoding="utf-8")
    kinds = set(re.findall(r'_Broken\([^,]+,\s*"([a-z-]+)"', source))
    assert kinds and kinds <= set(labels.BREAK_KINDS)


def test_a_check_result_reads_back_from_its_audit_record() -> None:
    ok = VerifyReport(records=20, checkpoints=4, last_seq=20, seconds=0.1)
    broken = VerifyReport(12, 2, 12, 0.1, Break(13, "inserted", "records 13..14 inserted: record 15 follows record 12"))
    for report in (ok, broken):
        record = AuditRecord(AGENT, "audit-verify", detail=describe(report))
        result = parse(event_row(record.to_event(99)))
        assert (result.ok, result.records, result.checkpoints) == (report.ok, report.records, report.checkpoints)
        if report.broken:
            assert (result.broken_seq, result.broken_kind) == (13, "inserted")
            assert result.broken_message == report.broken.message


def _queued(seq: int, subtype: str, user: str = "u-1", patient: str = "p-1", detail: str | None = None) -> QueueItem:
    agent = dataclasses.replace(AGENT, user_id=user)
    record = AuditRecord(agent, subtype, patient_ids=(patient,), break_glass=True, detail=detail)
    return QueueItem(event_row(record.to_event(seq)))


def test_records_group_by_emergency_access_and_a_decision_on_one_is_one_line_of_history() -> None:
    first, second = _queued(10, "break-glass", detail="ETREAT: urgence"), _queued(20, "break-glass", patient="p-2")
    reads = [_queued(11, "read"), _queued(21, "read", patient="p-2"), _queued(12, "read")]
    for read, opening in zip(reads, (first, second, first), strict=True):
        read.opening = opening.row
    orphans = [_queued(31, "read", user="u-2"), _queued(30, "read", user="u-2"), _queued(32, "read", user="u-3")]
    newest_first = sorted([first, second, *reads, *orphans], key=lambda item: -item.row.seq)
    episodes = review_module.episodes_of(newest_first)
    assert [(e.key, e.seqs) for e in episodes] == [
        ("r32", [32]),
        ("r31", [30, 31]),
        ("20", [20, 21]),
        ("10", [10, 11, 12]),
    ]
    assert (episodes[-1].reason, episodes[-1].justification) == ("ETREAT", "urgence")
    assert episodes[1].opening is None and episodes[1].row.user_id == "u-2"
    at = 1_700_000_000_000_000
    for n, item in enumerate((first, reads[0], reads[2])):
        item.reviews = [Review(f"r{n}", item.row.seq, "vigie", "needs-follow-up", "Appeler", at + n * 1000, 100 + n)]
    reads[2].reviews.append(Review("later", 12, "vigie", "justified", None, at + 3_600_000_000, 200))
    episode = episodes[-1]
    assert [(r.decision, r.seqs) for r in episode.history] == [("needs-follow-up", [10, 11, 12]), ("justified", [12])]
    assert episode.states == ["justified", "needs-follow-up"] and episode.pending == episode.to_decide == [10, 11]


def test_an_episode_form_names_at_most_200_plain_record_numbers() -> None:
    assert review_module.parse_seqs("12,13,12") == [12, 13]
    assert review_module.parse_seqs(",".join(["7"] * 200)) == [7]
    for forged in ("", ",", "12,", "a", "+1", "1e3", "١", "9" * 19, ",".join(["7"] * 201)):
        assert review_module.parse_seqs(forged) is None, forged


def test_dates_are_whole_quebec_days() -> None:
    winter = Criteria.from_query({"from": "2024-01-15", "to": "2024-01-15"}).service_params()
    assert winter["date-ge"] == "ge2024-01-15T00:00:00-05:00"
    assert winter["date-lt"] == "lt2024-01-16T00:00:00-05:00"
    summer = Criteria.from_query({"from": "2024-07-01"}).service_params()
    assert summer["date-ge"] == "ge2024-07-01T00:00:00-04:00"
