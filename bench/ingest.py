"""Ingest benchmark: Synthea transaction Bundles over HTTP vs. raw inserts of the same JSON.

Usage: .venv/bin/python bench/ingest.py [--database-url URL] [--rounds 3]

For each round it starts a real DSN server (uvicorn, one process) on a fresh database
schema, POSTs every Synthea bundle of ../shared/testdata/synthea as a transaction, and
measures resources per second (validation, reference resolution, indexing, versioning
all on, authenticated as a backend integration client, every write audited in its
transaction). In the same run it measures the baseline: the same resource JSON inserted
straight into a plain table of the same database, one transaction per bundle, with no
validation or indexing. It prints medians over the rounds and the ratio.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, text

REPO = Path(__file__).resolve().parents[1]
SYNTHEA = REPO.parent / "shared" / "testdata" / "synthea"


def bundles() -> list[tuple[str, bytes, int]]:
    """Infrastructure bundles first (hospitals, practitioners), then patients."""
    files = sorted(SYNTHEA.glob("*.json"), key=lambda p: (not p.name[0].islower(), p.name))
    loaded = []
    for path in files:
        raw = path.read_bytes()
        loaded.append((path.name, raw, len(orjson.loads(raw)["entry"])))
    return loaded


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(url: str) -> tuple[str, str | None]:
    """A new empty schema on PostgreSQL, or a new file for SQLite."""
    if url.startswith("sqlite"):
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    from urllib.parse import quote

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}", schema


def drop_schema(url: str, schema: str | None) -> None:
    if schema is None:
        return
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def integration_token(data_dir: str, base_url: str) -> str:
    """A backend-client token signed with the server's key, as `dsn token` gives an operator."""
    from dsn.config import Settings
    from dsn.security.keys import ensure_keys
    from dsn.security.tokens import Grant, issue_access_token

    settings = Settings(data_dir=Path(data_dir), base_url=base_url)
    ensure_keys(settings.data_dir)
    grant = Grant(kind="client", subject="bench-loader", client_id="bench-loader", scopes=("system/*.cruds",))
    token, _ = issue_access_token(grant, settings, now=int(time.time()))
    return token


def run_dsn(url: str, data: list[tuple[str, bytes, int]]) -> float:
    port = free_port()
    data_dir = tempfile.mkdtemp()
    base_url = f"http://127.0.0.1:{port}/fhir"
    token = integration_token(data_dir, base_url)
    env = {
        **os.environ,
        "DSN_DATABASE_URL": url,
        "DSN_DATA_DIR": data_dir,
        "DSN_BASE_URL": base_url,
        "DSN_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "dsn.api.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=REPO,
    )
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, timeout=300, headers=headers) as client:
            for _ in range(200):
                try:
                    if client.get("/metadata").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            total = sum(n for _, _, n in data)
            started = time.perf_counter()
            for name, raw, _ in data:
                response = client.post("/", content=raw, headers={"Content-Type": "application/fhir+json"})
                if response.status_code != 200:
                    raise SystemExit(f"{name}: {response.status_code} {response.text[:500]}")
            elapsed = time.perf_counter() - started
        return total / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_baseline(url: str, data: list[tuple[str, bytes, int]]) -> float:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    meta = MetaData()
    table = Table(
        "baseline_resource",
        meta,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("res_type", String(64)),
        Column("res_id", String(64)),
        Column("body", Text),
    )
    meta.create_all(engine)
    total = sum(n for _, _, n in data)
    started = time.perf_counter()
    for _, raw, _ in data:
        entries = orjson.loads(raw)["entry"]
        rows = [
            {
                "res_type": e["resource"]["resourceType"],
                "res_id": str(uuid.uuid4()),
                "body": orjson.dumps(e["resource"]).decode(),
            }
            for e in entries
        ]
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DSN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = bundles()
    total = sum(n for _, _, n in data)
    print(f"{len(data)} Synthea bundles, {total} resources; database {args.database_url.split('@')[-1]}")
    dsn_rates, baseline_rates = [], []
    for round_number in range(1, args.rounds + 1):
        url, schema = fresh_database(args.database_url)
        try:
            dsn_rate = run_dsn(url, data)
            baseline_rate = run_baseline(url, data)
        finally:
            drop_schema(args.database_url, schema)
        dsn_rates.append(dsn_rate)
        baseline_rates.append(baseline_rate)
        print(f"round {round_number}: DSN {dsn_rate:,.0f} resources/s, baseline {baseline_rate:,.0f} resources/s")
    dsn_median = statistics.median(dsn_rates)
    base_median = statistics.median(baseline_rates)
    print()
    print("| measure | median resources/s |")
    print("|---|---|")
    print(f"| DSN transactions over HTTP (validation + indexing) | {dsn_median:,.0f} |")
    print(f"| baseline: raw JSON inserts, same database | {base_median:,.0f} |")
    print(f"| ratio DSN / baseline | {dsn_median / base_median:.2f} |")


if __name__ == "__main__":
    main()
