"""MPI benchmark: matching accuracy against known truth, and ``$match`` latency, on PostgreSQL.

Usage: .venv/bin/python bench/mpi.py [--database-url URL] [--schema bench_mpi]
           [--patients 10000] [--seed 1] [--queries 1000] [--keep]
           [--write-model src/dsn/mpi/default_model.py]

Data: ``--patients`` synthetic Quebecers (:func:`dsn.mpi.population.generate_population`:
French, English and other names with accents, particles, hyphenated double family names,
an aging age pyramid), of whom 20% get a second record and 30% of those a third, each
with 1–4 realistic errors (:mod:`dsn.mpi.corruption`: typos, dropped accents, respelled
hyphens and ``Saint``, married names, swapped names, nicknames, transposed dates,
missing or mistyped NAM, moves); plus look-alikes that must not match: twins (0.5%)
and household members sharing address and phone (8%).

Steps, each timed:

1. load every record as a Patient through the store (``StoreSession.create``, search
   indexes included) and index it for the MPI in the same transaction, in a fresh
   schema ``--schema``;
2. train: EM on the index's blocked pairs (``dsn mpi train``, no truth used);
3. accuracy: every blocked pair graded as ``dsn mpi dedupe`` does; precision and recall
   of certain+probable against the truth (recall counts every true pair, blocked or
   not), per grade, a threshold sweep, recall per kind of error;
4. latency: ``--queries`` ``$match`` calls with Patients not in the index (a fresh
   erroneous record of a random person, or their exact record without id), timed
   in-process at two levels: ``dsn.mpi.match.match`` (blocking + scoring) and
   ``dsn.service.patient_match.patient_match`` (plus access policy, visibility of each
   candidate, and the durable audit record every read gets).

Prints markdown tables (docs/benchmarks.md holds the figures).  ``--write-model``
writes the trained parameters as the shipped default model.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from pprint import pformat
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dsn.config import Settings  # noqa: E402
from dsn.mpi.blocking import block_keys  # noqa: E402
from dsn.mpi.compare import FIELDS, compare  # noqa: E402
from dsn.mpi.corruption import corrupt  # noqa: E402
from dsn.mpi.dedupe import blocked_pairs  # noqa: E402
from dsn.mpi.features import extract  # noqa: E402
from dsn.mpi.grades import Thresholds  # noqa: E402
from dsn.mpi.index import index_resources, indexed_features  # noqa: E402
from dsn.mpi.match import match, score_pair  # noqa: E402
from dsn.mpi.parameters import current_parameters, forget_cached  # noqa: E402
from dsn.mpi.population import Record, generate_population, true_pairs  # noqa: E402
from dsn.mpi.training import train  # noqa: E402
from dsn.service.context import Caller, RequestContext  # noqa: E402
from dsn.service.patient_match import patient_match  # noqa: E402
from dsn.service.records import RecordService  # noqa: E402
from dsn.store.engine import make_engine  # noqa: E402
from dsn.store.migrate import upgrade  # noqa: E402
from dsn.store.session import Store  # noqa: E402

LOAD_BATCH = 2000
Scored = tuple[float, str, bool, tuple[str, str], bool]  # weight, grade, true?, pair, guarded?


def schema_url(url: str, schema: str) -> str:
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    separator = "&" if "?" in plain else "?"
    return f"{plain}{separator}options={quote(f'-csearch_path={schema}')}"


def fresh_schema(url: str, schema: str) -> None:
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()


def drop_schema(url: str, schema: str) -> None:
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- steps ------------------------------------------------------------------------------------


def load(engine: Engine, records: list[Record]) -> float:
    store = Store(engine)
    started = time.perf_counter()
    for batch in chunks(records, LOAD_BATCH):
        with store.write() as session:
            for record in batch:
                session.create("Patient", record.id, record.resource)
            session.flush()
            index_resources(session.conn, [record.resource for record in batch], replace=False)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def evaluate(engine: Engine, records: list[Record]) -> dict[str, Any]:
    """Grade every blocked pair; compare with the truth."""
    truth = true_pairs(records)
    by_id = {record.id: record for record in records}
    started = time.perf_counter()
    scored: list[Scored] = []
    with engine.connect() as conn:
        forget_cached()
        model, thresholds = current_parameters(conn)
        for a, b in blocked_pairs(conn):
            candidate = score_pair(a, b, model, thresholds)
            pair = (a.patient_id or "", b.patient_id or "")
            scored.append((candidate.weight, candidate.grade, pair in truth, pair, candidate.guard is not None))
    elapsed = time.perf_counter() - started
    found = {pair for _w, grade, _t, pair, _g in scored if grade in ("certain", "probable")}
    correct = found & truth
    blocked = {item[3] for item in scored}
    per_grade: dict[str, Counter[bool]] = defaultdict(Counter)
    for _w, grade, is_true, _pair, _g in scored:
        per_grade[grade][is_true] += 1
    by_kind: dict[str, Counter[bool]] = defaultdict(Counter)
    for pair in truth:
        kinds = set(by_id[pair[0]].corruptions) | set(by_id[pair[1]].corruptions) or {"(none)"}
        for kind in kinds:
            by_kind[kind][pair in found] += 1
    false_kinds = Counter(by_id[a].lookalike or by_id[b].lookalike or "other" for a, b in found - truth)
    levels = {}
    with engine.connect() as conn:
        worst = sorted(((w, p) for w, _g, t, p, _guarded in scored if not t and p in found), reverse=True)[:8]
        features = indexed_features(conn, [pid for _w, pair in worst for pid in pair])
        for weight, (a, b) in worst:
            levels[(a, b)] = (weight, compare(features[a], features[b]), by_id[a], by_id[b])
    return {
        "pairs_scored": len(scored),
        "seconds": elapsed,
        "truth": len(truth),
        "blocked_true": len(blocked & truth),
        "found": len(found),
        "correct": len(correct),
        "precision": len(correct) / len(found) if found else 1.0,
        "recall": len(correct) / len(truth) if truth else 1.0,
        "per_grade": per_grade,
        "by_kind": by_kind,
        "false_kinds": false_kinds,
        "worst_false": levels,
        "sweep": sweep(scored, len(truth)),
        "thresholds": thresholds,
        "model": model,
    }


def sweep(scored: list[Scored], truth: int) -> list[tuple[float, float, float, int]]:
    """(threshold, precision, recall, false pairs) of "weight ≥ threshold and no guard"."""
    rows = []
    for threshold in (20, 15, 12, 10, 8, 6, 4, 2, 1, 0, -1, -2, -3, -4, -6, -8):
        kept = [is_true for weight, _grade, is_true, _pair, guarded in scored if weight >= threshold and not guarded]
        correct = sum(kept)
        rows.append((threshold, correct / len(kept) if kept else 1.0, correct / truth, len(kept) - correct))
    return rows


def latency(engine: Engine, records: list[Record], queries: int, seed: str, settings: Settings) -> dict[str, Any]:
    rng = random.Random(f"bench-mpi-queries:{seed}")
    originals = [record for record in records if record.copy == 0 and record.lookalike is None]
    sample = [rng.choice(originals) for _ in range(queries)]
    by_person: dict[int, set[str]] = defaultdict(set)
    for record in records:
        by_person[record.person].add(record.id)
    query_resources = []
    for record in sample:
        if rng.random() < 0.5:
            resource, _kinds = corrupt(record.resource, rng)
        else:
            resource = {k: v for k, v in record.resource.items() if k != "id"}
        query_resources.append((resource, by_person[record.person]))
    engine_times: list[float] = []
    service_times: list[float] = []
    keys: list[int] = []
    hits = 0
    for resource, _ids in query_resources[:20]:  # warm-up
        with engine.connect() as conn:
            match(conn, resource)
    for resource, ids in query_resources:
        started = time.perf_counter()
        with engine.connect() as conn:
            found = match(conn, resource)
        engine_times.append((time.perf_counter() - started) * 1000)
        keys.append(len(block_keys(extract(resource))))
        if any(c.patient_id in ids and c.grade in ("certain", "probable") for c in found):
            hits += 1
    service = RecordService(Store(engine), settings)
    ctx = RequestContext(Caller(kind="client", subject="bench-mpi", scopes=("system/*.cruds",)), request_id="bench")
    try:
        for resource, _ids in query_resources[:20]:
            patient_match(service, ctx, resource)
        for resource, _ids in query_resources:
            started = time.perf_counter()
            patient_match(service, ctx, resource)
            service_times.append((time.perf_counter() - started) * 1000)
    finally:
        close = getattr(service, "close", None)
        if close is not None:
            close()
    return {
        "queries": queries,
        "engine": engine_times,
        "service": service_times,
        "keys": statistics.mean(keys),
        "hit_rate": hits / queries,
    }


def candidates_per_query(engine: Engine, records: list[Record], seed: str) -> float:
    rng = random.Random(f"bench-mpi-candidates:{seed}")
    from dsn.mpi.blocking import key_hashes
    from dsn.mpi.index import candidate_features

    counts = []
    with engine.connect() as conn:
        for record in rng.sample(records, min(500, len(records))):
            counts.append(len(candidate_features(conn, key_hashes(extract(record.resource)))))
    return statistics.mean(counts)


# -- report -----------------------------------------------------------------------------------


def report(
    args: argparse.Namespace,
    records: list[Record],
    load_s: float,
    training: Any,
    train_s: float,
    result: dict[str, Any],
    timing: dict[str, Any],
    candidates: float,
) -> None:
    thresholds: Thresholds = result["thresholds"]
    people = len({r.person for r in records})
    print(f"\n## MPI benchmark: {people:,} people, {len(records):,} Patient records (seed {args.seed})\n")
    print("| step | result |")
    print("|---|---|")
    print(f"| load (store + MPI index) | {load_s:.1f} s ({len(records) / load_s:,.0f} patients/s) |")
    print(
        f"| train (EM on blocked pairs) | {train_s:.1f} s, {training.pairs:,} pairs, {training.iterations} iterations |"
    )
    print(f"| grade every blocked pair | {result['seconds']:.1f} s, {result['pairs_scored']:,} pairs |")
    print(
        f"| true pairs / sharing a blocking key | {result['truth']:,} / {result['blocked_true']:,} "
        f"({result['blocked_true'] / result['truth']:.4f}) |"
    )
    print(f"| **precision, certain+probable** | **{result['precision']:.4f}** ({result['found']:,} pairs) |")
    print(f"| **recall, certain+probable** | **{result['recall']:.4f}** |")
    print(
        f"| thresholds (weight) | certain ≥ {thresholds.certain}, probable ≥ {thresholds.probable}, "
        f"possible ≥ {thresholds.possible} |"
    )
    print(f"| blocking keys / candidates per query (mean) | {timing['keys']:.1f} / {candidates:.1f} |")
    print(f"| `$match` finds the person (certain/probable) | {timing['hit_rate']:.4f} of {timing['queries']} queries |")
    for label, key in (("`match()` (blocking + scoring)", "engine"), ("`$match` service (+ policy, audit)", "service")):
        values = timing[key]
        print(
            f"| {label} latency | p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
            f"p99 {percentile(values, 0.99):.1f} ms |"
        )
    print("\n| grade | true pairs | false pairs |\n|---|---|---|")
    for grade in ("certain", "probable", "possible", "certainly-not"):
        counts = result["per_grade"].get(grade, Counter())
        print(f"| {grade} | {counts[True]:,} | {counts[False]:,} |")
    print("\n| error in a record | true pairs | recall (certain+probable) |\n|---|---|---|")
    for kind, counts in sorted(result["by_kind"].items(), key=lambda item: -sum(item[1].values())):
        total = counts[True] + counts[False]
        print(f"| {kind} | {total:,} | {counts[True] / total:.4f} |")
    if result["false_kinds"]:
        print("\nfalse certain/probable pairs by kind:", dict(result["false_kinds"]))
        print(
            "\n| weight | nam, family, given, birth date, sex, postal, phone | names | birth dates |\n|---|---|---|---|"
        )
        for weight, comparison, a, b in result["worst_false"].values():
            names = " / ".join(_name(r.resource) for r in (a, b))
            dates = " / ".join(str(r.resource.get("birthDate")) for r in (a, b))
            levels = ", ".join(str(comparison.level(f)) for f in FIELDS)
            print(f"| {weight:.1f} | {levels} | {names} | {dates} |")
    print("\n| weight ≥ | precision | recall | false pairs |\n|---|---|---|---|")
    for threshold, precision, recall, false in result["sweep"]:
        print(f"| {threshold} | {precision:.4f} | {recall:.4f} | {false} |")
    print("\nmodel:", pformat(training.model.to_dict(), width=120, compact=True))


def _name(resource: dict[str, Any]) -> str:
    name = (resource.get("name") or [{}])[0]
    return f"{' '.join(name.get('given') or [])} {name.get('family') or ''}".strip()


def write_model(path: Path, training: Any, thresholds: Thresholds, args: argparse.Namespace) -> None:
    """Replace ``DEFAULT_PARAMS`` in ``path`` by the trained model (6 significant digits)."""
    params = _rounded({**training.model.to_dict(), "thresholds": thresholds.to_dict()})
    params["info"] = {
        "source": f"bench/mpi.py --patients {args.patients} --seed {args.seed}",
        "pairs": training.pairs,
        "iterations": training.iterations,
    }
    template = path.read_text(encoding="utf-8")
    start = template.index("DEFAULT_PARAMS: Final[dict[str, Any]] = ")
    end = template.index("\n}\n", start) + 3
    body = "DEFAULT_PARAMS: Final[dict[str, Any]] = " + pformat(params, width=110, sort_dicts=False) + "\n"
    path.write_text(template[:start] + body + template[end:], encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=False)
    print(f"wrote {path}", file=sys.stderr)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DSN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--schema", default="bench_mpi")
    parser.add_argument("--patients", type=int, default=10_000, help="distinct people (records are ~26%% more)")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument("--write-model", type=Path, help="write the trained model as the shipped default")
    args = parser.parse_args()

    started = time.perf_counter()
    records = list(generate_population(args.seed, args.patients))
    print(f"generated {len(records):,} records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    fresh_schema(args.database_url, args.schema)
    url = schema_url(args.database_url, args.schema)
    engine = make_engine(url)
    try:
        upgrade(engine)
        load_s = load(engine, records)
        print(f"loaded in {load_s:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        training = train(engine, max_patients=None)
        train_s = time.perf_counter() - started
        print(f"trained in {train_s:.1f} s", file=sys.stderr)
        result = evaluate(engine, records)
        print(f"evaluated in {result['seconds']:.1f} s", file=sys.stderr)
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(database_url=url, data_dir=Path(data_dir), log_level="WARNING", log_json=True)
            timing = latency(engine, records, args.queries, args.seed, settings)
        candidates = candidates_per_query(engine, records, args.seed)
        report(args, records, load_s, training, train_s, result, timing, candidates)
        if args.write_model:
            write_model(args.write_model, training, result["thresholds"], args)
    finally:
        engine.dispose()
        if not args.keep:
            drop_schema(args.database_url, args.schema)


if __name__ == "__main__":
    main()
