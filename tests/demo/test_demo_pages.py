"""Every page of the web app, as each demo role sees it, in both languages: it answers,
it is accessible (labels, headings, names, no inline code), and no message key leaks.

The browser tests (tests/e2e) walk the pilot's flows; this sweep covers every page a
role can reach, on SQLite and PostgreSQL, without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dsn.api.app import create_app
from dsn.demo.accounts import DEMO_PASSWORD, PRIVACY_OFFICER_TOTP_SECRET
from dsn.demo.showcase import SHOWCASE
from tests.demo.conftest import SeededDemo
from tests.support.accessibility import accessibility_problems
from tests.support.web import web_login

CHART = f"/app/chart/patient/{SHOWCASE.id}"
PAGES: dict[str, tuple[str | None, list[str]]] = {
    "infirmiere.mauricie": (
        None,
        [
            "/app/chart/",
            "/app/chart/?name=belanger",
            f"/app/chart/?nam={SHOWCASE.nam}",
            CHART,
            f"{CHART}/lab?system=http://loinc.org&code=4548-4",
            f"{CHART}/break-glass",
        ],
    ),
    "patient.demo": (
        None,
        [
            "/app/portal/",
            "/app/portal/labs",
            "/app/portal/labs/trend?system=http://loinc.org&code=4548-4",
            "/app/portal/access",
            "/app/portal/sharing",
            "/app/portal/download",
        ],
    ),
    "confidentialite": (
        PRIVACY_OFFICER_TOTP_SECRET,
        [
            "/app/privacy/",
            f"/app/privacy/?patient={SHOWCASE.id}",
            "/app/privacy/review",
            "/app/privacy/integrity",
        ],
    ),
}
# A message key rendered instead of its text would look like this.
LEAKED_KEY = re.compile(r">\s*(?:[a-z]+_){1,}[a-z]+\s*<")


@pytest.fixture(scope="module")
def browser_of(demo: SeededDemo) -> Iterator[object]:
    app = create_app(demo.settings, migrate=False)
    clients: list[TestClient] = []

    def login(username: str, totp: str | None) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        web_login(client, username, DEMO_PASSWORD, totp_secret=totp)
        clients.append(client)
        return client

    yield login
    app.state.service.close()


@pytest.mark.parametrize("username", sorted(PAGES))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_of_each_role_is_served_accessible_and_translated(
    browser_of: object, username: str, language: str
) -> None:
    totp, paths = PAGES[username]
    client = browser_of(username, totp)  # type: ignore[operator]
    client.get(f"/app/?lang={language}")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        page = response.text
        assert f'lang="{language}-CA"' in page, path
        assert accessibility_problems(page) == [], path
        leaked = LEAKED_KEY.findall(page)  # t() shows a missing key as itself
        assert leaked == [], (path, leaked)
