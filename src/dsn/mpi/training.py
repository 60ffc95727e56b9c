"""Estimating the model on this database's own patients: ``dsn mpi train``.

No labelled pair is needed: the blocked pairs of the index (a sample of it on a large
database) are compared, summarized as counts per comparison vector, and EM
(:func:`dsn.mpi.scoring.estimate`) fits ``m``, ``u`` and the prior to them, starting from
the parameters in force.  Thresholds are kept: they were chosen against known truth on
the benchmark and a database has none (see :mod:`dsn.mpi.grades`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from dsn.mpi.compare import compare
from dsn.mpi.dedupe import blocked_pairs
from dsn.mpi.features import PatientFeatures
from dsn.mpi.grades import guard
from dsn.mpi.parameters import current_parameters, save_parameters
from dsn.mpi.scoring import EmResult, Pattern, estimate

__all__ = ["pattern_counts", "train"]


def pattern_counts(pairs: Iterable[tuple[PatientFeatures, PatientFeatures]]) -> Counter[Pattern]:
    """How many pairs have each comparison vector."""
    return Counter(compare(a, b).levels for a, b in pairs)


def train(
    engine: Engine,
    *,
    max_patients: int | None = 200_000,
    save: bool = True,
    progress: Callable[[int], None] | None = None,
) -> EmResult:
    """Fit the model to the index's blocked pairs and (with ``save``) put it in force."""
    with engine.connect() as conn:
        start, thresholds = current_parameters(conn)
        counts = pattern_counts(blocked_pairs(conn, max_patients=max_patients, progress=progress))
    if not counts:
        raise ValueError("the index holds no pair of patients sharing a blocking key: nothing to learn from")
    result = estimate(counts, start, known_non_match=lambda levels: guard(levels) is not None)
    if save:
        with engine.begin() as conn:
            save_parameters(conn, result.model, thresholds)
    return result
