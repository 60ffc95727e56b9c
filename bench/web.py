"""Web pages benchmark: each page against the FHIR API calls that fetch the same data, same run.

Usage: .venv/bin/python bench/web.py [--database-url URL] [--patients 100] [--runs 40] [--warmup 5]

Seeds the pilot demo (``dsn.demo``; a temporary SQLite file by default, or a fresh
PostgreSQL schema ``bench_web`` of ``--database-url``, dropped at the end), then logs in through the real
SMART login and times, in-process over ASGI (no network on either side):

* each page as a browser gets it (session cookie, access policy, audit, rendering);
* the baseline: the FHIR API requests an app would make to fetch the same data, with an
  access token of the same user (same policy, same audit), back to back.

It prints p50/p95 per page and per baseline, and the page/API ratio of the medians:
what the page adds (its session, the rendering, and its audit records) over the API.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from dsn.api.app import create_app  # noqa: E402
from dsn.config import Settings, normalize_database_url  # noqa: E402
from dsn.demo.accounts import DEMO_PASSWORD  # noqa: E402
from dsn.demo.seed import seed_demo  # noqa: E402
from dsn.demo.showcase import SHOWCASE  # noqa: E402
from dsn.security.tokens import Grant, issue_access_token  # noqa: E402
from dsn.security.users import find_user, patients_of  # noqa: E402
from dsn.store.engine import make_engine  # noqa: E402
from dsn.store.migrate import upgrade  # noqa: E402

BASE = "http://testserver"
SCHEMA = "bench_web"
PID = SHOWCASE.id
HBA1C = "http://loinc.org|4548-4"
SUMMARY_SEARCHES = [
    f"AllergyIntolerance?patient={PID}&_count=50",
    f"MedicationRequest?patient={PID}&status=active&_sort=-authoredon&_count=50",
    f"Condition?patient={PID}&clinical-status=active&_sort=-recorded-date&_count=50",
    f"Immunization?patient={PID}&_sort=-date&_count=30",
    f"Observation?patient={PID}&category=laboratory&_sort=-date&_count=30",
    f"Encounter?patient={PID}&_sort=-date&_count=30",
    f"Consent?patient={PID}&status=active&_count=20",
]


def web_login(client: TestClient, username: str) -> None:
    start = client.get("/app/login")
    form = {
        k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', start.text)
    }
    form.update(username=username, password=DEMO_PASSWORD)
    done = client.post("/oauth/authorize", data=form)
    assert done.status_code == 200 and "/app/" in str(done.url), done.text[:300]


def api_client(app: object, settings: Settings, username: str) -> TestClient:
    engine = app.state.engine  # type: ignore[attr-defined]
    user = find_user(engine, username)
    assert user is not None
    scopes = ("patient/*.rs",) if user.role == "patient" else ("user/*.cruds",)
    grant = Grant(
        kind="user",
        subject=user.id,
        client_id="bench",
        scopes=scopes,
        display=user.display_name,
        role=user.role,
        organization=user.organization_id,
        region=user.region_code,
        patients=patients_of(engine, user),
        launch_patient=user.patient_id,
        fhir_user=user.fhir_user,
    )
    token, _ = issue_access_token(grant, settings, now=int(time.time()))
    return TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]


def timed(work: Callable[[], None], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def get_ok(client: TestClient, path: str) -> Callable[[], None]:
    def work() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:200])

    return work


def all_ok(client: TestClient, paths: list[str]) -> Callable[[], None]:
    calls = [get_ok(client, p) for p in paths]

    def work() -> None:
        for call in calls:
            call()

    return work


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def prepare(args: argparse.Namespace, root: Path) -> Settings:
    if args.database_url:
        admin = create_engine(normalize_database_url(args.database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        admin.dispose()
        url = normalize_database_url(args.database_url)
        url += ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={SCHEMA}")
    else:
        url = f"sqlite:///{root / 'dsn.sqlite3'}"
    settings = Settings(
        database_url=url, data_dir=root / "var", base_url=f"{BASE}/fhir", log_level="WARNING", log_json=True
    )
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    started = time.perf_counter()
    report = seed_demo(engine, settings, patients=args.patients)
    print(f"seeded {report.patients} patients, {report.resources:,} resources in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = prepare(args, Path(tmp))
        app = create_app(settings, migrate=False)
        nurse_page = TestClient(app, base_url=BASE)
        web_login(nurse_page, "infirmiere.mauricie")
        nurse_api = api_client(app, settings, "infirmiere.mauricie")
        patient_page = TestClient(app, base_url=BASE)
        web_login(patient_page, SHOWCASE.username)
        patient_api = api_client(app, settings, SHOWCASE.username)
        cases = [
            (
                "chart: patient search by name",
                get_ok(nurse_page, "/app/chart/?name=belanger"),
                all_ok(nurse_api, ["/fhir/Patient?name=belanger&_count=26"]),
            ),
            (
                "chart: patient summary",
                get_ok(nurse_page, f"/app/chart/patient/{PID}"),
                all_ok(nurse_api, [f"/fhir/Patient/{PID}"] + [f"/fhir/{s}" for s in SUMMARY_SEARCHES]),
            ),
            (
                "chart: lab trend (HbA1c)",
                get_ok(nurse_page, f"/app/chart/patient/{PID}/lab?system=http://loinc.org&code=4548-4"),
                all_ok(
                    nurse_api,
                    [
                        f"/fhir/Patient/{PID}",
                        f"/fhir/Observation?patient={PID}&code={quote(HBA1C)}&_sort=date&_count=200",
                        f"/fhir/Consent?patient={PID}&status=active",
                    ],
                ),
            ),
            (
                "portal: my summary",
                get_ok(patient_page, "/app/portal/"),
                all_ok(patient_api, [f"/fhir/Patient/{PID}"] + [f"/fhir/{s}" for s in SUMMARY_SEARCHES]),
            ),
            (
                "portal: who accessed my record",
                get_ok(patient_page, "/app/portal/access"),
                all_ok(patient_api, [f"/fhir/Patient/{PID}/$access-log?_count=50"]),
            ),
        ]
        print(f"\n{args.runs} runs after {args.warmup} warm-up runs; ms; in-process ASGI for both columns")
        print(f"{'page':34} {'page p50':>9} {'page p95':>9} {'API p50':>8} {'API p95':>8} {'ratio p50':>9}")
        for name, page, api in cases:
            page_ms = timed(page, args.runs, args.warmup)
            api_ms = timed(api, args.runs, args.warmup)
            ratio = statistics.median(page_ms) / statistics.median(api_ms)
            print(
                f"{name:34} {statistics.median(page_ms):9.1f} {p95(page_ms):9.1f} "
                f"{statistics.median(api_ms):8.1f} {p95(api_ms):8.1f} {ratio:8.2f}×"
            )
        app.state.service.close()
        app.state.engine.dispose()
        if args.database_url:
            admin = create_engine(normalize_database_url(args.database_url), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
