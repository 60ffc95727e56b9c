"""Finding the indexed patients who may be the person a Patient resource describes.

:func:`match` is ``Patient/$match`` without HTTP or access control (the service adds
those): features of the query → blocking keys → candidates sharing a key (one indexed
query, never a scan) → comparison vector → Fellegi–Sunter weight → grade.  Each
candidate comes with its explanation: for every field, the agreement level and the
weight it contributed, so a clerk sees *why* two records were judged the same person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from dsn.mpi.blocking import key_hashes
from dsn.mpi.compare import COMPARISONS, Comparison, compare, level_name
from dsn.mpi.features import PatientFeatures, extract
from dsn.mpi.grades import Grade, Thresholds, grade_for, guard
from dsn.mpi.index import candidate_features
from dsn.mpi.parameters import current_parameters
from dsn.mpi.scoring import Model, probability

__all__ = ["FieldAgreement", "MatchCandidate", "match", "match_features", "score_pair"]

DEFAULT_COUNT = 10


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    """How one field of a pair agreed: ``level`` (``exact``, ``fuzzy``, ``missing``…) and
    the weight (log2 likelihood ratio) it added to the match weight."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class MatchCandidate:
    """One candidate: its id, match probability (``score``), weight, grade and explanation.

    ``swapped`` says the names agreed only with given and family names crossed;
    ``guard`` names the rule that held the grade at ``possible`` (see
    :func:`dsn.mpi.grades.guard`), if one did.
    """

    patient_id: str
    score: float
    weight: float
    grade: Grade
    explanation: tuple[FieldAgreement, ...]
    swapped: bool = False
    nam_agrees: bool = False
    guard: str | None = None


def score_pair(
    query: PatientFeatures, candidate: PatientFeatures, model: Model, thresholds: Thresholds
) -> MatchCandidate:
    """Compare two patients and grade the pair."""
    comparison = compare(query, candidate)
    weight = model.match_weight(comparison.levels)
    return MatchCandidate(
        patient_id=candidate.patient_id or "",
        score=probability(weight),
        weight=weight,
        grade=grade_for(weight, thresholds, comparison.levels),
        guard=guard(comparison.levels),
        explanation=_explain(comparison, model),
        swapped=comparison.swapped,
        nam_agrees=comparison.levels[0] == 0,
    )


def _explain(comparison: Comparison, model: Model) -> tuple[FieldAgreement, ...]:
    weights = model.weights
    return tuple(
        FieldAgreement(name, level_name(i, level), 0.0 if level is None else round(weights[i][level], 3))
        for i, ((name, _levels), level) in enumerate(zip(COMPARISONS, comparison.levels, strict=True))
    )


def match(
    conn: Connection,
    patient: dict[str, Any],
    *,
    count: int = DEFAULT_COUNT,
    only_certain: bool = False,
    parameters: tuple[Model, Thresholds] | None = None,
) -> list[MatchCandidate]:
    """The best candidates for ``patient`` (a FHIR Patient as a dict), best first.

    Returned: candidates graded ``certain``, ``probable`` or ``possible``, and any
    candidate carrying the searched NAM whatever its grade (a NAM on someone else's
    record is what a registrar must see).  ``only_certain`` keeps the ``certain`` ones.
    If the query Patient has an ``id``, that patient is not its own candidate.
    """
    return match_features(conn, extract(patient), count=count, only_certain=only_certain, parameters=parameters)


def match_features(
    conn: Connection,
    query: PatientFeatures,
    *,
    count: int = DEFAULT_COUNT,
    only_certain: bool = False,
    parameters: tuple[Model, Thresholds] | None = None,
) -> list[MatchCandidate]:
    model, thresholds = parameters or current_parameters(conn)
    scored = [
        score_pair(query, candidate, model, thresholds)
        for candidate in candidate_features(conn, key_hashes(query))
        if candidate.patient_id != query.patient_id
    ]
    kept = [c for c in scored if _reportable(c, only_certain)]
    kept.sort(key=lambda c: (-c.weight, c.patient_id))
    return kept[: max(count, 0)]


def _reportable(candidate: MatchCandidate, only_certain: bool) -> bool:
    if only_certain:
        return candidate.grade == "certain"
    return candidate.grade != "certainly-not" or candidate.nam_agrees
