"""Audit benchmark: read throughput with the fail-closed audit log on versus off, same run.

Usage: .venv/bin/python bench/audit.py [--database-url URL] [--schema bench_audit]
           [--patients 200] [--per-patient 10] [--threads 8] [--seconds 5] [--rounds 3]
           [--caller physician|system] [--linger 0] [--keep]

A fresh PostgreSQL schema (``--schema``, dropped first, and at the end unless ``--keep``)
is migrated and loaded with ``--patients`` Patients and ``--per-patient`` Observations
each, through the store. Then ``--threads`` client threads read random Observations
through ``RecordService.read`` (access policy included) for ``--seconds``, in rounds
that alternate the two modes:

* ``on``: ``RecordService.read`` exactly as the server runs it — the service records
  the read with ``AuditLog.record_read`` and returns only once the record is durably
  committed (fail closed), batched with the other threads' records by group commit;
* ``off``: the same service with its auditor replaced by one that records nothing
  (possible only here: the server has no switch to turn auditing off).

It prints reads/s per round, the median of each mode, the cost of auditing
(``1 - on/off``; target ≤ 25 %), the group-commit figures (records per commit, commits/s)
and finally ``dsn audit verify`` speed over the records written. Caller ``physician``
is a clinician of a live region (the policy reads break-the-glass grants on every
read); ``system`` is the server itself.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dsn.audit import AuditLog  # noqa: E402
from dsn.audit.checkpoint import key_id  # noqa: E402
from dsn.audit.verify import verify  # noqa: E402
from dsn.config import Settings, normalize_database_url  # noqa: E402
from dsn.service.auditing import Auditor  # noqa: E402
from dsn.service.context import Caller, RequestContext, system_context  # noqa: E402
from dsn.service.records import RecordService  # noqa: E402
from dsn.store.engine import make_engine  # noqa: E402
from dsn.store.migrate import upgrade  # noqa: E402
from dsn.store.security_schema import region  # noqa: E402
from dsn.store.session import Store  # noqa: E402

REGION = "06"


def schema_url(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return normalize_database_url(url) + f"{separator}options={quote(f'-csearch_path={schema}')}"


def load(store: Store, patients: int, per_patient: int) -> list[str]:
    """Patients and their Observations; the Observation ids, for reading."""
    ids = []
    for p in range(patients):
        with store.write() as session:
            session.create_with_id("Patient", f"pat-{p}", {"resourceType": "Patient", "gender": "female"})
            for o in range(per_patient):
                res_id = f"obs-{p}-{o}"
                session.create(
                    "Observation",
                    res_id,
                    {
                        "resourceType": "Observation",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                        "subject": {"reference": f"Patient/pat-{p}"},
                        "valueQuantity": {"value": 60 + o, "unit": "/min"},
                    },
                    source=("org-cnmtl", REGION),
                )
                ids.append(res_id)
    with store.engine.begin() as conn:
        conn.execute(region.insert().values(code=REGION, name="Montréal", live=True))
    return ids


def context(caller_kind: str, n: int) -> RequestContext:
    if caller_kind == "system":
        return system_context(f"bench-{n}")
    caller = Caller(
        kind="user",
        subject=f"u-{n}",
        display="Dre Bench",
        role="physician",
        scopes=("user/*.rs",),
        organization="org-cnmtl",
        region=REGION,
        client_id="chart",
        fhir_user="Practitioner/pr-bench",
    )
    return RequestContext(caller=caller, request_id=f"bench-{n}", remote_addr="10.0.0.8", purpose_of_use=("TREAT",))


class SilentAuditor(Auditor):
    """The ``off`` mode: the service's auditor with every recording step removed."""

    def read(self, *args: object, **kwargs: object) -> None:
        return None

    def durable(self, *args: object, **kwargs: object) -> None:
        return None

    def refusal(self, *args: object, **kwargs: object) -> None:
        return None


def run_round(
    service: RecordService, audit: AuditLog | None, ids: list[str], threads: int, seconds: float, caller: str
) -> float:
    """Reads/s of ``threads`` clients for ``seconds`` (audited unless ``audit`` is None)."""
    service.auditor = Auditor(audit) if audit is not None else SilentAuditor(service.audit_log)
    counts = [0] * threads
    stop = threading.Event()
    start_line = threading.Barrier(threads + 1)

    def client(n: int) -> None:
        rng = random.Random(n)
        ctx = context(caller, n)
        start_line.wait()
        while not stop.is_set():
            res_id = rng.choice(ids)
            service.read(ctx, "Observation", res_id)
            counts[n] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start_line.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DSN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--schema", default="bench_audit")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--per-patient", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--caller", choices=("physician", "system"), default="physician")
    parser.add_argument("--linger", type=float, default=0.0, help="Group-commit linger (s).")
    parser.add_argument("--keep", action="store_true", help="Keep the schema afterwards.")
    args = parser.parse_args()

    admin = create_engine(normalize_database_url(args.database_url))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{args.schema}"'))
    url = schema_url(args.database_url, args.schema)
    engine = make_engine(url, pool_size=args.threads + 2)
    upgrade(engine)
    store = Store(engine)
    started = time.perf_counter()
    ids = load(store, args.patients, args.per_patient)
    print(f"loaded {len(ids)} Observations of {args.patients} patients in {time.perf_counter() - started:.1f} s")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))

    service = RecordService(store, Settings(database_url=url, data_dir=Path("/tmp/dsn-bench-audit")))
    service.audit_log.close()
    key = Ed25519PrivateKey.generate()
    audit = AuditLog(engine, signing_key=key, linger=args.linger)
    service.audit_log = audit
    run_round(service, audit, ids, args.threads, 1.0, args.caller)  # warm-up: pool, caches, writer thread
    baseline = audit.stats.records, audit.stats.commits, audit.stats.fast_commits

    results: dict[str, list[float]] = {"off": [], "on": []}
    audited_seconds = 0.0
    for n in range(args.rounds):
        order = ("off", "on") if n % 2 == 0 else ("on", "off")
        for mode in order:
            rate = run_round(service, audit if mode == "on" else None, ids, args.threads, args.seconds, args.caller)
            results[mode].append(rate)
            if mode == "on":
                audited_seconds += args.seconds
            print(f"round {n + 1} {mode:>3}: {rate:8.0f} reads/s")
    audit.close()

    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    cost = 1 - on / off
    paired = statistics.median(1 - a / b for a, b in zip(results["on"], results["off"], strict=True))
    records = audit.stats.records - baseline[0]
    commits = audit.stats.commits - baseline[1]
    fast = audit.stats.fast_commits - baseline[2]
    print(
        f"\nmedian reads/s: auditing off {off:.0f}, on {on:.0f} -> auditing costs {cost:.1%} "
        f"of read throughput (target <= 25%: {'met' if cost <= 0.25 else 'NOT met'}); "
        f"median of per-round costs {paired:.1%}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"group commit: {records} records in {commits} commits = {records / max(commits, 1):.1f} records/commit, "
        f"{commits / audited_seconds:.0f} commits/s ({fast} in one statement), "
        f"largest batch {audit.stats.largest_batch}, "
        f"{args.threads} client threads, caller {args.caller}"
    )
    report = verify(engine, {key_id(key.public_key()): key.public_key()})
    print(f"dsn audit verify: {report.summary()} in {report.seconds:.2f} s ({report.records / report.seconds:.0f}/s)")
    engine.dispose()
    if not args.keep:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE'))
    admin.dispose()


if __name__ == "__main__":
    main()
