"""The MPI index on both databases: kept in step with Patients, matched, deduplicated, trained."""

from __future__ import annotations

import io
import random

import pytest
from sqlalchemy import Engine, func, select

from dsn.mpi.corruption import corrupt
from dsn.mpi.dedupe import dedupe
from dsn.mpi.index import index_patient, index_resources, rebuild, remove_patient
from dsn.mpi.match import match
from dsn.mpi.nam import NAM_SYSTEM
from dsn.mpi.parameters import current_parameters, forget_cached
from dsn.mpi.population import generate_population
from dsn.mpi.training import train
from dsn.store.mpi_schema import mpi_block_key, mpi_candidate, mpi_model, mpi_review
from dsn.store.session import Store

NATHALIE = {
    "resourceType": "Patient",
    "identifier": [{"system": NAM_SYSTEM, "type": {"text": "NAM"}, "value": "TREN75531412"}],
    "name": [{"use": "official", "family": "Lévesque-Tremblay", "given": ["Nathalie"]}],
    "gender": "female",
    "birthDate": "1975-03-14",
    "address": [{"postalCode": "H2X 1Y4"}],
    "telecom": [{"system": "phone", "value": "514 555-0123"}],
}


@pytest.fixture(autouse=True)
def _fresh_parameters() -> None:
    forget_cached()


def store_patients(store: Store, bodies: list[dict]) -> list[str]:
    """Write Patients through the store and index them in the same transaction (the write hook).

    No flush before indexing: the hook runs while creates are still deferred.
    """
    ids = []
    with store.write() as session:
        for body in bodies:
            stored = session.create("Patient", body.get("id") or f"p{len(ids)}-{random.getrandbits(32):x}", body)
            index_patient(session.conn, stored)
            ids.append(stored.res_id)
    return ids


def test_a_written_patient_is_indexed_and_found_despite_errors(store: Store, engine: Engine) -> None:
    [nathalie] = store_patients(store, [NATHALIE])
    query = {
        "resourceType": "Patient",
        "name": [{"family": "Tremblay", "given": ["Nathalie"]}],  # one half of the compound name
        "birthDate": "1975-04-13",  # two digits swapped... and one wrong
        "gender": "female",
        "identifier": [{"system": NAM_SYSTEM, "value": "tren 7553 1412"}],
    }
    with engine.connect() as conn:
        [found] = match(conn, query)
    assert found.patient_id == nathalie
    assert found.grade in ("certain", "probable")
    assert 0 < found.score <= 1
    explained = {item.field: item.level for item in found.explanation}
    assert explained == {
        "nam": "exact",
        "family": "part",
        "given": "exact",
        "birth_date": "different",
        "sex": "same",
        "postal": "missing",
        "phone": "missing",
    }
    nam = next(item for item in found.explanation if item.field == "nam")
    assert nam.weight > 5
    assert next(item for item in found.explanation if item.field == "postal").weight == 0


def test_updates_and_deletes_keep_the_index_in_step(store: Store, engine: Engine) -> None:
    [pid] = store_patients(store, [NATHALIE])
    with store.write() as session:
        existing = session.current("Patient", pid)
        assert existing is not None
        renamed = {
            "resourceType": "Patient",
            "name": [{"family": "Gagnon", "given": ["Sylvie"]}],
            "birthDate": "1981-07-30",
        }
        index_patient(session.conn, session.update(existing, renamed))
    with engine.connect() as conn:
        assert match(conn, NATHALIE | {"identifier": []}, count=5) == []
        assert [c.patient_id for c in match(conn, renamed)] == [pid]
    with store.write() as session:
        current = session.current("Patient", pid)
        assert current is not None
        index_patient(session.conn, session.delete(current))
    with engine.connect() as conn:
        assert match(conn, renamed) == []
        assert conn.execute(select(func.count()).select_from(mpi_block_key)).scalar_one() == 0


def test_merged_away_patients_are_not_candidates(store: Store, engine: Engine) -> None:
    merged = {**NATHALIE, "link": [{"other": {"reference": "Patient/survivor"}, "type": "replaced-by"}]}
    store_patients(store, [merged])
    with engine.connect() as conn:
        assert match(conn, NATHALIE) == []


def test_match_excludes_the_query_itself_and_honours_count_and_only_certain(store: Store, engine: Engine) -> None:
    copy = {**NATHALIE, "identifier": [], "telecom": []}
    ids = store_patients(store, [NATHALIE, copy, {**NATHALIE, "name": [{"family": "Tremblay", "given": ["Nath"]}]}])
    with engine.connect() as conn:
        everyone = match(conn, NATHALIE)
        assert len(everyone) == 3
        assert everyone == sorted(everyone, key=lambda c: -c.weight)
        assert [c.patient_id for c in match(conn, {**NATHALIE, "id": ids[0]})] == [i for i in
            [c.patient_id for c in everyone] if i != ids[0]]  # fmt: skip
        assert len(match(conn, NATHALIE, count=1)) == 1
        certain = match(conn, NATHALIE, only_certain=True)
        assert certain and all(c.grade == "certain" for c in certain)


def test_a_candidate_carrying_the_searched_nam_is_always_shown(store: Store, engine: Engine) -> None:
    someone_else = {
        **NATHALIE,
        "name": [{"family": "Bouchard", "given": ["Gérard"]}],
        "gender": "male",
        "birthDate": "1931-11-02",
        "address": [],
        "telecom": [],
    }
    [pid] = store_patients(store, [someone_else])
    with engine.connect() as conn:
        [found] = match(conn, NATHALIE)
    assert found.patient_id == pid and found.nam_agrees
    assert found.grade in ("possible", "certainly-not")


def test_rebuild_indexes_existing_patients_and_drops_stale_rows(store: Store, engine: Engine) -> None:
    with store.write() as session:
        for index in range(5):
            session.create("Patient", f"pre-{index}", {**NATHALIE, "birthDate": f"197{index}-03-14"})
        session.create("Observation", "obs-1", {"resourceType": "Observation", "status": "final",
                                                "code": {"text": "x"}})  # fmt: skip
    with engine.begin() as conn:
        index_resources(conn, [{**NATHALIE, "id": "gone"}])
    seen: list[int] = []
    assert rebuild(engine, batch_size=2, progress=seen.append) == 5
    assert seen[-1] == 5
    with engine.connect() as conn:
        ids = set(conn.execute(select(mpi_candidate.c.patient_id)).scalars())
        assert ids == {f"pre-{index}" for index in range(5)}
        remove_patient(conn, "pre-0")
        assert conn.execute(select(func.count()).select_from(mpi_candidate)).scalar_one() == 4


def load_population(store: Store, seed: str, people: int) -> list:
    records = list(generate_population(seed, people))
    with store.write() as session:
        for record in records:
            session.create("Patient", record.id, record.resource)
        session.flush()
        index_resources(session.conn, [record.resource for record in records], replace=False)
    return records


def test_dedupe_lists_duplicates_and_keeps_reviewers_decisions(store: Store, engine: Engine) -> None:
    records = load_population(store, "dedupe", 120)
    truth = {record.id: record.person for record in records}
    out = io.StringIO()
    report = dedupe(engine, batch_size=50, csv_out=out)
    assert report.found == report.added > 0
    with engine.connect() as conn:
        rows = conn.execute(select(mpi_review)).all()
    correct = sum(1 for row in rows if truth[row.patient_a] == truth[row.patient_b])
    assert correct / len(rows) >= 0.95
    assert all(row.patient_a < row.patient_b and row.status == "open" for row in rows)
    assert out.getvalue().splitlines()[0].startswith("patient_a,patient_b,grade,score,weight,swapped,nam,")
    with engine.begin() as conn:
        conn.execute(mpi_review.update().where(mpi_review.c.id == rows[0].id).values(status="not-duplicate"))
    again = dedupe(engine)
    assert (again.added, again.refreshed, again.decided, again.dropped) == (0, len(rows) - 1, 1, 0)
    with engine.connect() as conn:
        assert conn.execute(select(mpi_review.c.status).where(mpi_review.c.id == rows[0].id)).scalar_one() == (
            "not-duplicate"
        )


def test_training_stores_a_model_that_match_then_uses(store: Store, engine: Engine) -> None:
    load_population(store, "train", 300)
    result = train(engine)
    assert result.converged and result.pairs > 50
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(mpi_model)).scalar_one() == 1
        forget_cached()
        model, _thresholds = current_parameters(conn)
    assert model.prior == pytest.approx(result.model.prior)


def test_a_second_record_with_realistic_errors_is_found(store: Store, engine: Engine) -> None:
    records = [r for r in load_population(store, "second-record", 80) if r.copy == 0 and r.lookalike is None]
    rng = random.Random(11)
    found = 0
    with engine.connect() as conn:
        for record in records[:40]:
            query, _kinds = corrupt(record.resource, rng, count=1)
            candidates = match(conn, query)
            found += any(c.patient_id == record.id and c.grade in ("certain", "probable") for c in candidates)
    assert found >= 36
