"""Search benchmark: a fixed query mix over HTTP vs. hand-written SQL, on 1M+ resources.

Usage: .venv/bin/python bench/search.py [--database-url URL] [--schema bench_search]
           [--resources 1000000] [--big-patient 2000] [--workers 2] [--seed 1]
           [--runs 100] [--warmup 10] [--reuse] [--drop] [--load-only]
           [--breakdown N] [--explain]

Data: a deterministic synthetic Quebec population (``dsn.synthetic``, Synthea-shaped
transaction Bundles): the facilities bundle first, then person 0 with exactly
``--big-patient`` resources (for ``$everything``), then people at their natural history
size until at least ``--resources`` resources are stored. It is loaded in-process through
the real write pipeline (``dsn.service.bundles.process_bundle``: validation, reference
resolution, versioning, indexing), by ``--workers`` processes with a connection each,
into the PostgreSQL schema ``--schema``; then ``VACUUM (ANALYZE)``. Load time and rate
are printed and remembered in the schema's comment, so ``--reuse`` keeps the data from a
previous run (it runs the migrations to head, then creates or drops indexes to match
``dsn.store.schema``, since the initial migration is still edited in place). Without
``--reuse`` an existing schema is dropped and reloaded; ``--drop`` only drops it.

Queries: a DSN server (uvicorn subprocess, one process) on that schema answers every
query of the mix over HTTP on 127.0.0.1 (as a backend client with ``system/*.rs``, its
token signed by the server's own keys, where the tree authenticates); the same answer is
computed by hand-written SQL (psycopg, same database, same parameter values, same moment,
no server-side prepared statements, as DSN's engine). Each query runs
``--warmup`` times, then ``--runs`` times with parameter values drawn from the loaded data
(seeded), alternating which side goes first. The two answers must agree (ids of the
page, in order; included ids as a set); a mismatch is printed loudly and marks the run
failed. ``$everything`` is timed as the total to fetch every page with ``_count=1000``
(2-3 requests for a 2,000-resource record), against one SQL statement returning the
same resources. Times are wall-clock on the client: HTTP request to last byte read for
DSN, execute + fetch of every row (bodies included) for SQL.

``--breakdown N`` then runs N samples of each query in-process through the service and
prints, per query, the median time of the service call and of its SQL statements (cursor
events: round trips included) and how many statements it sends; ``--explain`` adds
``EXPLAIN (ANALYZE, BUFFERS)`` of every SELECT DSN sent for the first sample.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import psycopg
from sqlalchemy import Engine, create_engine, event, text

REPO = Path(__file__).resolve().parents[1]
NAM = "https://dsn.quebec/fhir/NamingSystem/nam"
LOINC = "http://loinc.org"
DATASET_VERSION = 1  # bump when the way the data set is generated changes


# -- database plumbing -----------------------------------------------------------------------


def psycopg_url(url: str) -> str:
    """A plain libpq URL (psycopg) from a SQLAlchemy-style or plain one."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def schema_url(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema``."""
    separator = "&" if "?" in url else "?"
    return f"{psycopg_url(url)}{separator}options={quote(f'-csearch_path={schema}')}"


def admin_engine(url: str) -> Engine:
    return create_engine(psycopg_url(url).replace("postgresql://", "postgresql+psycopg://", 1))


def loaded_info(url: str, schema: str) -> dict[str, Any] | None:
    """What a completed load wrote into the schema comment; None if absent or partial."""
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
    if row is None:
        return None
    try:
        info = json.loads(row[0] or "")
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def sync_indexes(url: str, schema: str) -> None:
    """Bring a reused schema up to date: migrations to head, then indexes as declared.

    Nothing is released yet, so the initial migration is edited in place and a kept data
    set can lag behind it; index differences are repaired here (they need no reload).
    Other differences are only reported: reload (without ``--reuse``) if they matter.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from dsn.store.migrate import upgrade
    from dsn.store.schema import metadata

    engine = admin_engine(schema_url(url, schema))
    upgrade(engine)
    changed = False
    with engine.begin() as conn:
        for diff in compare_metadata(MigrationContext.configure(conn), metadata):
            flat = diff if isinstance(diff, tuple) else diff[0]
            if flat[0] == "add_index":
                print(f"  creating index {flat[1].name} ...", flush=True)
                flat[1].create(conn, checkfirst=True)
                changed = True
            elif flat[0] == "remove_index":
                print(f"  dropping index {flat[1].name}", flush=True)
                conn.execute(text(f'DROP INDEX "{flat[1].name}"'))
                changed = True
            else:
                print(f"  warning: schema {schema} differs from dsn.store.schema: {diff}", flush=True)
    engine.dispose()
    if changed:
        analyze(url, schema)


def analyze(url: str, schema: str) -> None:
    with psycopg.connect(schema_url(url, schema), autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'VACUUM (ANALYZE) "{schema}"."{table}"')


# -- loading -----------------------------------------------------------------------------------


def service_for(url: str) -> Any:
    """A RecordService on ``url`` (a small pool: reads may audit on a second connection)."""
    from dsn.config import Settings
    from dsn.service.records import RecordService
    from dsn.store.engine import make_engine
    from dsn.store.session import Store

    settings = Settings(database_url=url, data_dir=Path(tempfile.gettempdir()), log_level="WARNING")
    return RecordService(Store(make_engine(settings.resolved_database_url(), pool_size=4)), settings)


def person_bundles(seed: str, first: int, last: int, big: int, wanted: Callable[[int], bool]) -> Iterator[dict]:
    """Bundles of people ``first <= i < last`` for which ``wanted(i)``; person 0 is the big one.

    People are always drawn from person 0 on, as ``iter_people`` does, so NAMs stay unique
    whichever process loads whom; only the wanted ones get a clinical history.
    """
    from dsn.synthetic.bundles import iter_people, patient_bundle

    for index, (person, rng) in enumerate(iter_people(seed, last)):
        if index >= first and wanted(index):
            yield patient_bundle(person, rng, resources_per_patient=big if index == 0 else None)


def load_worker(url: str, seed: str, first: int, last: int, big: int, worker: int, workers: int, counter: Any) -> None:
    from dsn.service.bundles import process_bundle
    from dsn.service.context import system_context

    service = service_for(url)
    ctx = system_context("bench-search-load")
    for bundle in person_bundles(seed, first, last, big, lambda i: i % workers == worker):
        process_bundle(service, ctx, bundle)
        with counter.get_lock():
            counter.value += len(bundle["entry"])
    service.store.engine.dispose()


def planned_people(seed: str, resources: int, big: int) -> int:
    """How many people reach ``resources`` (estimated from the first 400, +2%)."""
    from dsn.synthetic.bundles import iter_patient_bundles

    sizes = [len(b["entry"]) for b in iter_patient_bundles(seed, 401)][1:]
    return 1 + math.ceil(1.02 * max(resources - big, 0) / statistics.fmean(sizes))


def stored_count(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM resource").fetchone()
    return int(row[0]) if row else 0


def load(args: argparse.Namespace) -> dict[str, Any]:
    """Create the schema, load the data set through the service, vacuum, remember it."""
    from dsn.service.bundles import process_bundle
    from dsn.service.context import system_context
    from dsn.store.migrate import upgrade
    from dsn.synthetic.bundles import facilities_bundle

    drop_schema(args.database_url, args.schema)
    with psycopg.connect(psycopg_url(args.database_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{args.schema}"')
    url = schema_url(args.database_url, args.schema)
    engine = admin_engine(url)
    upgrade(engine)
    engine.dispose()

    people = planned_people(args.seed, args.resources, args.big_patient)
    print(f"loading ~{args.resources:,} resources: {people:,} people, {args.workers} worker(s) ...", flush=True)
    started = time.perf_counter()
    service = service_for(url)
    process_bundle(service, system_context("bench-search-load"), facilities_bundle())
    service.store.engine.dispose()
    counter = mp.get_context("spawn").Value("q", 0)
    processes = [
        mp.get_context("spawn").Process(
            target=load_worker,
            args=(url, args.seed, 0, people, args.big_patient, worker, args.workers, counter),
        )
        for worker in range(args.workers)
    ]
    for process in processes:
        process.start()
    last_report = time.perf_counter()
    while any(p.is_alive() for p in processes):
        time.sleep(1)
        if time.perf_counter() - last_report >= 60:
            last_report = time.perf_counter()
            done, elapsed = counter.value, last_report - started
            print(f"  {done:,} resources in {elapsed:,.0f} s ({done / elapsed:,.0f}/s)", flush=True)
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a load worker failed (exit code {process.exitcode})")
    total = stored_count(url)
    extra = people
    while total < args.resources:  # the estimate fell short: top up, one person at a time
        service = service_for(url)
        for bundle in person_bundles(args.seed, extra, extra + 50, args.big_patient, lambda _: True):
            process_bundle(service, system_context("bench-search-load"), bundle)
            total += len(bundle["entry"])
            extra += 1
            if total >= args.resources:
                break
        service.store.engine.dispose()
    load_seconds = time.perf_counter() - started
    vacuum_started = time.perf_counter()
    analyze(args.database_url, args.schema)
    info = {
        "version": DATASET_VERSION,
        "seed": args.seed,
        "target": args.resources,
        "big_patient": args.big_patient,
        "people": extra,
        "resources": total,
        "workers": args.workers,
        "load_seconds": round(load_seconds, 1),
        "resources_per_second": round(total / load_seconds, 1),
        "vacuum_analyze_seconds": round(time.perf_counter() - vacuum_started, 1),
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with psycopg.connect(psycopg_url(args.database_url), autocommit=True) as conn:
        conn.execute(f"COMMENT ON SCHEMA \"{args.schema}\" IS '{json.dumps(info)}'")
    return info


def same_data_set(info: dict[str, Any] | None, args: argparse.Namespace) -> bool:
    if not info:
        return False
    wanted = {"version": DATASET_VERSION, "seed": args.seed, "target": args.resources, "big_patient": args.big_patient}
    return all(info.get(key) == value for key, value in wanted.items())


# -- the query mix -----------------------------------------------------------------------------


@dataclass(slots=True)
class Answer:
    """What a search returned: matched ids in order, and included ids (any order).

    ``http_ms``: for DSN, the time from sending the request(s) to the last byte of the
    response(s) (``httpx.Response.elapsed``), so the client's JSON parsing is not counted.
    """

    matches: list[str]
    included: set[str] = field(default_factory=set)
    http_ms: float = 0.0


@dataclass(slots=True)
class Query:
    """One query of the mix: how to ask DSN, and the hand-written SQL for the same answer."""

    name: str
    target_ms: float
    samples: list[dict[str, Any]]
    http: Callable[[httpx.Client, dict[str, Any]], Answer]
    floor: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]  # hand-written SQL and its parameters
    dsn_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


def bundle_answer(body: dict[str, Any], http_ms: float) -> Answer:
    answer = Answer([], http_ms=http_ms)
    for entry in body.get("entry", []):
        mode = entry.get("search", {}).get("mode")
        reference = f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
        if mode == "include":
            answer.included.add(reference)
        elif mode == "match":
            answer.matches.append(reference)
    return answer


def get(client: httpx.Client, path: str, params: list[tuple[str, str]]) -> tuple[dict[str, Any], float]:
    """The parsed response body, and the milliseconds until its last byte was read."""
    response = client.get(path, params=params)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} {params}: {response.status_code} {response.text[:500]}")
    return orjson.loads(response.content), response.elapsed.total_seconds() * 1000


def rows_answer(rows: list[tuple[Any, ...]]) -> Answer:
    """Rows of (kind, type, id, body): kind 'm' for a match, 'i' for an included resource."""
    answer = Answer([])
    for kind, res_type, res_id, _body in rows:
        if kind == "i":
            answer.included.add(f"{res_type}/{res_id}")
        else:
            answer.matches.append(f"{res_type}/{res_id}")
    return answer


def run_sql(conn: psycopg.Connection, statement: str, params: dict[str, Any]) -> Answer:
    return rows_answer(conn.execute(statement, params).fetchall())


# Each statement returns (kind, res_type, res_id, body), in DSN's order for the page (DSN's
# default page size is 50, so LIMIT 50).
SQL_PATIENT_NAME = """
SELECT 'm', r.res_type, r.res_id, r.body FROM resource r
WHERE r.res_type = 'Patient' AND NOT r.deleted
  AND EXISTS (SELECT 1 FROM idx_string s WHERE s.resource_pk = r.pk AND s.res_type = 'Patient'
              AND s.param = 'name' AND s.value_norm LIKE %(prefix)s)
ORDER BY r.pk LIMIT 50"""

SQL_PATIENT_IDENTIFIER = """
SELECT 'm', r.res_type, r.res_id, r.body FROM resource r
WHERE r.pk IN (SELECT t.resource_pk FROM idx_token t WHERE t.res_type = 'Patient' AND t.param = 'identifier'
               AND t.system = %(system)s AND t.code = %(code)s)
  AND r.res_type = 'Patient' AND NOT r.deleted
ORDER BY r.pk LIMIT 50"""

# The patient's key is on every index row: the hand-written SQL starts from the patient's
# coded Observations and sorts by the date row it joins.
SQL_OBSERVATIONS = """
SELECT 'm', r.res_type, r.res_id, r.body FROM (
    SELECT c.resource_pk AS pk, max(d.high) AS high FROM idx_token c
    JOIN idx_date d ON d.resource_pk = c.resource_pk AND d.res_type = 'Observation' AND d.param = 'date'
    WHERE c.patient_key = %(patient)s AND c.res_type = 'Observation' AND c.param = 'code'
      AND c.code = %(code)s AND c.system = %(system)s
      AND (d.high > %(ge_high)s OR (d.low >= %(ge_low)s AND d.high <= %(ge_high)s))
      AND (d.low < %(le_low)s OR (d.low >= %(le_low)s AND d.high <= %(le_high)s))
    GROUP BY c.resource_pk
) m JOIN resource r ON r.pk = m.pk AND NOT r.deleted
WHERE EXISTS (SELECT 1 FROM idx_reference p WHERE p.resource_pk = r.pk AND p.res_type = 'Observation'
              AND p.param = 'patient' AND p.target_type = 'Patient' AND p.target_id = %(patient)s)
ORDER BY m.high DESC, r.pk LIMIT 50"""

SQL_ACTIVE = """
SELECT 'm', r.res_type, r.res_id, r.body FROM idx_token t JOIN resource r ON r.pk = t.resource_pk
WHERE t.patient_key = %(patient)s AND t.res_type = %(type)s AND t.param = %(param)s AND t.code = 'active'
  AND NOT r.deleted
  AND EXISTS (SELECT 1 FROM idx_reference p WHERE p.resource_pk = r.pk AND p.res_type = %(type)s
              AND p.param = 'patient' AND p.target_type = 'Patient' AND p.target_id = %(patient)s)
ORDER BY r.pk LIMIT 50"""

SQL_CHAIN = """
SELECT 'm', r.res_type, r.res_id, r.body FROM idx_token i
JOIN resource p ON p.pk = i.resource_pk AND p.res_type = 'Patient' AND NOT p.deleted
JOIN idx_reference s ON s.target_id = p.res_id AND s.res_type = 'Observation' AND s.param = 'subject'
                     AND s.target_type = 'Patient'
JOIN resource r ON r.pk = s.resource_pk AND NOT r.deleted
WHERE i.res_type = 'Patient' AND i.param = 'identifier' AND i.system = %(system)s AND i.code = %(nam)s
  AND EXISTS (SELECT 1 FROM idx_token c WHERE c.resource_pk = r.pk AND c.res_type = 'Observation'
              AND c.param = 'code' AND c.system = %(code_system)s AND c.code = %(code)s)
ORDER BY r.pk LIMIT 50"""

SQL_INCLUDE = """
WITH page AS (
    SELECT r.pk, r.res_type, r.res_id, r.body FROM idx_reference p JOIN resource r ON r.pk = p.resource_pk
    WHERE p.target_id = %(patient)s AND p.res_type = 'DiagnosticReport' AND p.param = 'patient'
      AND p.target_type = 'Patient' AND NOT r.deleted
    ORDER BY r.pk LIMIT 50
)
SELECT 'm', res_type, res_id, body FROM (SELECT * FROM page ORDER BY pk) matched
UNION ALL
SELECT 'i', t.res_type, t.res_id, t.body FROM resource t
WHERE NOT t.deleted AND t.pk IN (
    SELECT t2.pk FROM page JOIN idx_reference x ON x.resource_pk = page.pk
      AND x.res_type = 'DiagnosticReport' AND x.param = 'result'
    JOIN resource t2 ON t2.res_type = x.target_type AND t2.res_id = x.target_id)"""

# The Patient compartment's (type, parameter) pairs come in as two arrays (see build_mix).
SQL_EVERYTHING = """
SELECT 'm', r.res_type, r.res_id, r.body FROM resource r
WHERE NOT r.deleted AND r.pk IN (
    SELECT pk FROM resource WHERE patient_key = %(patient)s
    UNION
    SELECT x.resource_pk FROM idx_reference x
    JOIN unnest(%(types)s::text[], %(params)s::text[]) AS c(res_type, param)
      ON c.res_type = x.res_type AND c.param = x.param
    WHERE x.target_id = %(patient)s AND x.target_type = 'Patient'
    UNION
    SELECT t.pk FROM idx_reference x JOIN resource t ON t.res_type = x.target_type AND t.res_id = x.target_id
    WHERE x.patient_key = %(patient)s AND x.target_type <> 'Patient')
ORDER BY r.pk"""

SQL_READ = """
SELECT 'm', res_type, res_id, body FROM resource WHERE res_type = 'Patient' AND res_id = %(patient)s AND NOT deleted"""


def everything_http(client: httpx.Client, sample: dict[str, Any]) -> Answer:
    """Every page of ``$everything`` with ``_count=1000``, following ``next`` links."""
    answer = Answer([])
    params: list[tuple[str, str]] = [("_count", "1000")]
    while True:
        body, http_ms = get(client, f"/Patient/{sample['patient']}/$everything", params)
        answer.matches += bundle_answer(body, http_ms).matches
        answer.http_ms += http_ms
        following = [link["url"] for link in body.get("link", []) if link["relation"] == "next"]
        if not following:
            return answer
        page = httpx.URL(following[0]).params.get("_page")
        params = [("_count", "1000"), ("_page", page or "")]


def build_mix(conn: psycopg.Connection, seed: str, big_patient: str, n: int) -> list[Query]:
    """The queries, each with ``n`` parameter samples drawn (seeded) from the loaded data."""
    from dsn.fhir.patient_compartment import compartment_params
    from dsn.fhir.text_normalization import normalize_string

    rng = random.Random(f"bench-search:{seed}")
    patients = conn.execute(
        "SELECT r.res_id, r.body, t.code FROM resource r JOIN idx_token t ON t.resource_pk = r.pk "
        "AND t.param = 'identifier' AND t.system = %s WHERE r.res_type = 'Patient' ORDER BY r.pk",
        (NAM,),
    ).fetchall()
    ordinary = [p for p in patients if p[0] != big_patient]
    picked = [rng.choice(ordinary) for _ in range(n)]

    def family_prefix(body: str) -> str:
        family = orjson.loads(body)["name"][0]["family"]
        plain = normalize_string(family).replace(" ", "")
        return plain[:4].capitalize()

    max_pk = conn.execute("SELECT max(pk) FROM resource").fetchone()[0]
    observations = []
    while len(observations) < n:
        row = conn.execute(
            "SELECT r.patient_key, t.code, d.low FROM resource r "
            "JOIN idx_token t ON t.resource_pk = r.pk AND t.param = 'code' AND t.system = %s "
            "JOIN idx_date d ON d.resource_pk = r.pk AND d.param = 'date' "
            "WHERE r.res_type = 'Observation' AND r.pk >= %s AND r.patient_key <> %s ORDER BY r.pk LIMIT 1",
            (LOINC, rng.randrange(max_pk), big_patient),
        ).fetchone()
        if row:
            when = datetime.fromtimestamp(row[2] / 1e6, UTC).date()
            start, end = when - timedelta(days=rng.randrange(365, 5 * 365)), when + timedelta(days=365)
            observations.append({"patient": row[0], "code": row[1], "ge": start, "le": end})

    def day_us(day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1_000_000)

    for obs in observations:
        # Dates without a time zone are taken as UTC by DSN (store/search/values.py).
        obs |= {
            "system": LOINC,
            "ge_low": day_us(obs["ge"]),
            "ge_high": day_us(obs["ge"] + timedelta(days=1)) - 1,
            "le_low": day_us(obs["le"]),
            "le_high": day_us(obs["le"] + timedelta(days=1)) - 1,
        }
    name_samples = [{"prefix": family_prefix(p[1])} for p in picked]
    for sample in name_samples:
        sample["like"] = normalize_string(sample["prefix"]) + "%"
    ids = [{"patient": p[0], "nam": p[2]} for p in picked]
    # The chain names the patient of a drawn Observation by NAM, and that Observation's code.
    nam_of = {p[0]: p[2] for p in patients}
    chain_samples = [
        {"nam": nam_of[obs["patient"]], "code": obs["code"], "system": NAM, "code_system": LOINC}
        for obs in observations
    ]

    def name_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        return bundle_answer(*get(c, "/Patient", [("name", s["prefix"])]))

    def identifier_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        return bundle_answer(*get(c, "/Patient", [("identifier", f"{NAM}|{s['nam']}")]))

    def observations_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        params = [
            ("patient", s["patient"]),
            ("code", f"{LOINC}|{s['code']}"),
            ("date", f"ge{s['ge'].isoformat()}"),
            ("date", f"le{s['le'].isoformat()}"),
            ("_sort", "-date"),
        ]
        return bundle_answer(*get(c, "/Observation", params))

    def conditions_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        return bundle_answer(*get(c, "/Condition", [("patient", s["patient"]), ("clinical-status", "active")]))

    def medications_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        return bundle_answer(*get(c, "/MedicationRequest", [("patient", s["patient"]), ("status", "active")]))

    def chain_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        params = [("subject:Patient.identifier", f"{NAM}|{s['nam']}"), ("code", f"{LOINC}|{s['code']}")]
        return bundle_answer(*get(c, "/Observation", params))

    def include_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        params = [("patient", s["patient"]), ("_include", "DiagnosticReport:result")]
        return bundle_answer(*get(c, "/DiagnosticReport", params))

    def with_type(statement: str, res_type: str, param: str) -> Callable[[dict[str, Any]], tuple[str, dict]]:
        return lambda s: (statement, {**s, "type": res_type, "param": param})

    pairs = [(res_type, code) for res_type, codes in compartment_params().items() for code in codes]
    compartment = {"types": [t for t, _ in pairs], "params": [c for _, c in pairs]}

    def read_http(c: httpx.Client, s: dict[str, Any]) -> Answer:
        response = c.get(f"/Patient/{s['patient']}")
        if response.status_code != 200:
            raise SystemExit(f"GET Patient/{s['patient']}: {response.status_code}")
        body = orjson.loads(response.content)
        return Answer([f"Patient/{body['id']}"], http_ms=response.elapsed.total_seconds() * 1000)

    return [
        Query(
            "Patient/<id> read (reference: the fixed cost of one request)",
            0,
            ids,
            read_http,
            lambda s: (SQL_READ, s),
        ),
        Query(
            "Patient?name=<family prefix>",
            50,
            name_samples,
            name_http,
            lambda s: (SQL_PATIENT_NAME, {"prefix": s["like"]}),
        ),
        Query(
            "Patient?identifier=<NAM>",
            50,
            ids,
            identifier_http,
            lambda s: (SQL_PATIENT_IDENTIFIER, {"system": NAM, "code": s["nam"]}),
        ),
        Query(
            "Observation?patient&code&date=ge&date=le&_sort=-date",
            50,
            observations,
            observations_http,
            lambda s: (SQL_OBSERVATIONS, s),
        ),
        Query(
            "Condition?patient&clinical-status=active",
            50,
            ids,
            conditions_http,
            with_type(SQL_ACTIVE, "Condition", "clinical-status"),
        ),
        Query(
            "MedicationRequest?patient&status=active",
            50,
            ids,
            medications_http,
            with_type(SQL_ACTIVE, "MedicationRequest", "status"),
        ),
        Query(
            "Observation?subject:Patient.identifier=<NAM>&code",
            50,
            chain_samples,
            chain_http,
            lambda s: (SQL_CHAIN, s),
        ),
        Query(
            "DiagnosticReport?patient&_include=DiagnosticReport:result",
            50,
            ids,
            include_http,
            lambda s: (SQL_INCLUDE, s),
        ),
        Query(
            "Patient/<id>/$everything (2,000 resources, all pages)",
            500,
            [{"patient": big_patient} for _ in range(n)],
            everything_http,
            lambda s: (SQL_EVERYTHING, {**s, **compartment}),
        ),
    ]


# -- measuring ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DSN_DATABASE_URL": url,
        "DSN_DATA_DIR": data_dir,
        "DSN_BASE_URL": f"http://127.0.0.1:{port}/fhir",
        "DSN_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "dsn.api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}/fhir"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/metadata", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the DSN server did not start")


def mint_token(data_dir: str, base_url: str) -> tuple[str, dict[str, Any]] | None:
    """A read/search access token signed with the server's own keys (as the tests mint them).

    None when this tree has no token support (anonymous requests are then allowed).
    """
    try:
        from dsn.config import Settings
        from dsn.security.tokens import Grant, issue_access_token
    except ImportError:
        return None
    settings = Settings(data_dir=Path(data_dir), base_url=base_url, access_token_lifetime=24 * 3600)
    grant = Grant(
        kind="client",
        subject="bench-search",
        client_id="bench-search",
        scopes=("system/*.rs",),
        display="bench/search.py",
        role=None,
        organization=None,
        region=None,
        patients=(),
        launch_patient=None,
        fhir_user=None,
    )
    return issue_access_token(grant, settings, now=int(time.time()))


def timed(call: Callable[[], Answer]) -> tuple[float, Answer]:
    started = time.perf_counter()
    answer = call()
    return (time.perf_counter() - started) * 1000, answer


def measure(query: Query, client: httpx.Client, conn: psycopg.Connection, warmup: int) -> None:
    for index, sample in enumerate(query.samples):
        runs: list[tuple[str, Callable[[], Answer]]] = [
            ("dsn", lambda s=sample: query.http(client, s)),
            ("sql", lambda s=sample: run_sql(conn, *query.floor(s))),
        ]
        if index % 2:
            runs.reverse()
        answers: dict[str, tuple[float, Answer]] = {side: timed(call) for side, call in runs}
        (_, dsn), (sql_ms, floor) = answers["dsn"], answers["sql"]
        dsn_ms = dsn.http_ms
        if dsn.matches != floor.matches or dsn.included != floor.included:
            query.mismatches.append(
                f"{sample}: DSN {len(dsn.matches)} matches + {len(dsn.included)} included, "
                f"SQL {len(floor.matches)} + {len(floor.included)}; "
                f"first difference {first_difference(dsn, floor)}"
            )
        if index >= warmup:
            query.dsn_ms.append(dsn_ms)
            query.sql_ms.append(sql_ms)
            query.rows.append(len(dsn.matches) + len(dsn.included))


def first_difference(a: Answer, b: Answer) -> str:
    for index, (x, y) in enumerate(zip(a.matches, b.matches, strict=False)):
        if x != y:
            return f"match #{index}: {x} vs {y}"
    if len(a.matches) != len(b.matches):
        return f"match counts {len(a.matches)} vs {len(b.matches)}"
    only_dsn, only_sql = sorted(a.included - b.included)[:3], sorted(b.included - a.included)[:3]
    return f"included only in DSN {only_dsn}, only in SQL {only_sql}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def report(queries: list[Query]) -> bool:
    print()
    print("| query | rows (mean) | DSN p50 ms | DSN p95 ms | SQL p50 ms | SQL p95 ms | ratio p95 | target | met? |")
    print("|---|---|---|---|---|---|---|---|---|")
    all_met = True
    for q in queries:
        dsn50, dsn95 = statistics.median(q.dsn_ms), p95(q.dsn_ms)
        sql50, sql95 = statistics.median(q.sql_ms), p95(q.sql_ms)
        ratio = dsn95 / sql95
        if q.target_ms:
            met = dsn95 <= q.target_ms and ratio <= 3 and not q.mismatches
            all_met &= met
            target = f"p95 ≤ {q.target_ms:.0f} ms, ≤ 3× SQL"
            verdict = "yes" if met else "**no**" + (" (answers differ)" if q.mismatches else "")
        else:
            target, verdict = "— (reference)", "**answers differ**" if q.mismatches else "—"
            all_met &= not q.mismatches
        print(
            f"| `{q.name}` | {statistics.fmean(q.rows):.0f} | {dsn50:.1f} | {dsn95:.1f} | {sql50:.1f} | {sql95:.1f} "
            f"| {ratio:.1f}× | {target} | {verdict} |"
        )
    for q in queries:
        if q.mismatches:
            print(f"\n!!! ANSWERS DIFFER for {q.name}: {len(q.mismatches)} of {len(q.samples)} samples, e.g.")
            for line in q.mismatches[:3]:
                print(f"!!!   {line}")
    return all_met


# -- EXPLAIN of what DSN runs ---------------------------------------------------------------------


def server_ms(conn: psycopg.Connection, statement: str, params: Any) -> float:
    """Planning + execution time of ``statement`` inside PostgreSQL (EXPLAIN ANALYZE)."""
    plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", params).fetchone()[0][0]
    return plan["Planning Time"] + plan["Execution Time"]


def explain(url: str, queries: list[Query], claims: dict[str, Any] | None, samples: int, plans: bool) -> None:
    """Where DSN's time goes, in-process: the service call, and its SQL statements.

    Each query's first ``samples`` values run through the service (as the HTTP route calls
    it, as the benchmark's caller where the tree authenticates, so access restrictions in
    the SQL are the same); cursor events time every statement the request's own thread
    sends (round trip included; an audit writer thread's statements are not counted).
    Beside them, the time PostgreSQL itself spends (planning + execution, from ``EXPLAIN
    ANALYZE``) on DSN's SELECTs and on the hand-written SQL: what is left is the cost of
    the request outside the database. Prints a table of medians; with ``plans``,
    ``EXPLAIN (ANALYZE, BUFFERS)`` of every SELECT of the first sample.
    """
    from dsn.service.context import RequestContext, system_context
    from dsn.service.patient_operations import patient_everything
    from dsn.service.search_bundle import search_bundle

    service = service_for(url)
    engine = service.store.engine
    ctx = system_context("bench-explain")
    if claims is not None:
        from dsn.security.authentication import caller_from_claims

        ctx = RequestContext(caller=caller_from_claims(claims), request_id="bench-explain")
    captured: list[tuple[str, Any]] = []
    started: list[float] = []
    sql_seconds: list[float] = []

    caller_thread = threading.get_ident()  # statements of other threads (audit writer) are not counted

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if threading.get_ident() == caller_thread:
            captured.append((statement, parameters))
            started.append(time.perf_counter())

    def after(*_args: Any) -> None:
        if threading.get_ident() == caller_thread:
            sql_seconds.append(time.perf_counter() - started[-1])

    class InProcess:
        """Stands in for the HTTP client: calls the service as the route would."""

        def get(self, path: str, *, params: list[tuple[str, str]] | None = None) -> httpx.Response:
            parts = path.strip("/").split("/")
            if path.endswith("$everything"):
                content = orjson.dumps(patient_everything(service, ctx, parts[1], dict(params or [])))
            elif len(parts) == 2:
                content = (service.read(ctx, parts[0], parts[1]).body or "").encode()
            else:
                outcome = service.search(ctx, parts[0], params or [])
                content = orjson.dumps(search_bundle(service.settings.base_url, parts[0], outcome, params or []))
            response = httpx.Response(200, content=content)
            response.elapsed = timedelta(0)  # unused: the caller times the call itself
            return response

    print(
        "\n| query | in-process p50 ms | its SQL p50 ms | its statements "
        "| DSN SQL in PostgreSQL p50 ms | hand-written SQL in PostgreSQL p50 ms |"
    )
    print("|---|---|---|---|---|---|")
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    first: dict[str, list[tuple[str, Any]]] = {}
    try:
        with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
            for query in queries:
                totals, sqls, counts, dsn_db, floor_db = [], [], [], [], []
                for sample in query.samples[: samples + 1]:
                    captured.clear()
                    sql_seconds.clear()
                    begun = time.perf_counter()
                    query.http(InProcess(), sample)  # type: ignore[arg-type]
                    totals.append((time.perf_counter() - begun) * 1000)
                    sqls.append(sum(sql_seconds) * 1000)
                    counts.append(len(captured))
                    first.setdefault(query.name, list(captured))
                    reads = [(st, p) for st, p in captured if st.lstrip().upper().startswith(("SELECT", "WITH"))]
                    dsn_db.append(sum(server_ms(conn, st, p) for st, p in reads))
                    floor_db.append(server_ms(conn, *query.floor(sample)))
                # the first run of each query warms caches
                totals, sqls, dsn_db, floor_db = totals[1:], sqls[1:], dsn_db[1:], floor_db[1:]
                print(
                    f"| `{query.name}` | {statistics.median(totals):.1f} | {statistics.median(sqls):.1f} "
                    f"| {statistics.median(counts):.0f} | {statistics.median(dsn_db):.2f} "
                    f"| {statistics.median(floor_db):.2f} |"
                )
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    if plans:
        with engine.connect() as conn:
            for query in queries:
                print(f"\n### {query.name}\n\nsample: {query.samples[0]}\n")
                for statement, parameters in first[query.name]:
                    if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                        continue
                    plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).scalars()
                    print("```sql\n" + statement.strip() + "\n```\n```\n" + "\n".join(plan) + "\n```")
    engine.dispose()


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DSN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--schema", default="bench_search")
    parser.add_argument("--resources", type=int, default=1_000_000, help="at least this many resources")
    parser.add_argument("--big-patient", type=int, default=2000, help="resources of the $everything patient")
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--runs", type=int, default=100, help="measured runs per query")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured runs per query first")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded data set")
    parser.add_argument("--drop", action="store_true", help="drop the schema and stop")
    parser.add_argument("--load-only", action="store_true", help="load (or check) the data and stop")
    parser.add_argument("--breakdown", type=int, default=0, help="time N in-process runs per query: service vs SQL")
    parser.add_argument("--explain", action="store_true", help="also print EXPLAIN ANALYZE of DSN's SQL")
    args = parser.parse_args()
    host = httpx.URL(psycopg_url(args.database_url)).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("this benchmark only talks to a database on 127.0.0.1")
    if args.drop:
        drop_schema(args.database_url, args.schema)
        print(f"dropped schema {args.schema}")
        return

    info = loaded_info(args.database_url, args.schema)
    if args.reuse and same_data_set(info, args):
        assert info is not None
        print(f"reusing schema {args.schema} (loaded {info['loaded_at']})")
        sync_indexes(args.database_url, args.schema)
    else:
        if info is not None:
            print(f"schema {args.schema} exists but {'is not reused' if same_data_set(info, args) else 'differs'}")
        info = load(args)
    print(
        f"data set: {info['resources']:,} resources, {info['people']:,} patients (one with {info['big_patient']:,}); "
        f"loaded in {info['load_seconds']:,.0f} s = {info['resources_per_second']:,.0f} resources/s "
        f"with {info['workers']} worker(s), then VACUUM ANALYZE {info['vacuum_analyze_seconds']:,.0f} s"
    )
    if args.load_only:
        return

    url = schema_url(args.database_url, args.schema)
    # No server-side prepared statements: after five executions PostgreSQL may switch a
    # prepared statement to a generic plan, which ignores the searched values' frequency.
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        big = conn.execute(
            "SELECT patient_key FROM resource WHERE patient_key IS NOT NULL GROUP BY patient_key "
            "ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        queries = build_mix(conn, args.seed, big, args.warmup + args.runs)
        load_before = os.getloadavg()[0]
        with tempfile.TemporaryDirectory() as data_dir:
            server, base = start_server(url, data_dir)
            try:
                token = mint_token(data_dir, base)
                headers = {"Authorization": f"Bearer {token[0]}"} if token else {}
                with httpx.Client(base_url=base, timeout=120, headers=headers) as client:
                    for query in queries:
                        print(f"  {query.name} ...", flush=True)
                        measure(query, client, conn, args.warmup)
            finally:
                server.terminate()
                server.wait(timeout=30)
            version = conn.execute("SHOW server_version").fetchone()[0]
            print(
                f"\n{datetime.now().date().isoformat()}, {os.cpu_count()} cores, PostgreSQL {version}; "
                f"{args.runs} runs per query after {args.warmup} warm-up runs; load average "
                f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other work on the machine skews p95)"
            )
            ok = report(queries)
            print("\nall targets met" if ok else "\nsome targets missed", flush=True)
            if args.breakdown or args.explain:
                explain(url, queries, token[1] if token else None, args.breakdown or 20, args.explain)


if __name__ == "__main__":
    main()
