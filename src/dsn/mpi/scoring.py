"""Fellegi–Sunter scoring, and the EM algorithm that estimates its parameters from the data.

For each comparison level, ``m`` is the probability of that level among pairs of records
of the same person and ``u`` among pairs of different people.  A pair's *match weight*
is ``log2(λ / (1 − λ)) + Σ log2(m / u)`` over its non-missing comparisons, where ``λ`` is
the share of true matches among the compared pairs; the match probability is
``1 / (1 + 2^−weight)``.  A missing field adds nothing, so a record without a NAM is
judged on the rest.

The parameters are estimated without any labelled pair, by expectation–maximisation over
the pairs the blocking keys produce (Fellegi–Sunter's latent-class model, as Splink does
it).  Blocked pairs are *the* population scores are computed on, so ``u`` is estimated on
them too rather than on random pairs: among blocked non-matches, birth dates agree far
more often than between random people, and ``u`` must say so.  Pairs are summarized as
counts of distinct comparison vectors before EM, so an iteration costs one pass over a
few thousand patterns whatever the number of pairs: plain Python is enough, no numpy.

Why EM written here rather than Splink: Splink pulls DuckDB and pandas into a FHIR server
for a model of seven comparisons; the algorithm is forty lines and its behaviour is
tested (``tests/mpi/test_scoring.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

from dsn.mpi.compare import COMPARISONS

__all__ = ["EmResult", "Model", "Pattern", "estimate", "probability"]

Pattern = tuple[int | None, ...]

_FLOOR: Final = 1e-6
_SMOOTHING: Final = 0.5  # pseudo-count per level, so that no level gets probability 0


def probability(weight: float) -> float:
    """Match probability for a match weight (log2 odds)."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    return 1.0 / (1.0 + 2.0 ** (-weight))


@dataclass(frozen=True)
class Model:
    """Parameters: ``prior`` (λ), and per comparison the ``m`` and ``u`` of each level."""

    prior: float
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    info: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for index, (name, levels) in enumerate(COMPARISONS):
            if len(self.m[index]) != len(levels) or len(self.u[index]) != len(levels):
                raise ValueError(f"comparison {name!r} has {len(levels)} levels")
        if not 0 < self.prior < 1:
            raise ValueError("the prior must be strictly between 0 and 1")

    @cached_property
    def weights(self) -> tuple[tuple[float, ...], ...]:
        """``log2(m / u)`` for each comparison level: the evidence it carries."""
        return tuple(
            tuple(math.log2(max(m, _FLOOR) / max(u, _FLOOR)) for m, u in zip(ms, us, strict=True))
            for ms, us in zip(self.m, self.u, strict=True)
        )

    @cached_property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def match_weight(self, levels: Pattern) -> float:
        weights = self.weights
        return self.prior_weight + sum(weights[i][level] for i, level in enumerate(levels) if level is not None)

    def to_dict(self) -> dict[str, Any]:
        """A readable form: level names beside their m and u (what ``mpi_model`` stores)."""
        return {
            "prior": self.prior,
            "comparisons": {
                name: {level: {"m": self.m[i][j], "u": self.u[i][j]} for j, level in enumerate(levels)}
                for i, (name, levels) in enumerate(COMPARISONS)
            },
            "info": dict(self.info),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        comparisons = data["comparisons"]
        m = tuple(tuple(float(comparisons[name][level]["m"]) for level in levels) for name, levels in COMPARISONS)
        u = tuple(tuple(float(comparisons[name][level]["u"]) for level in levels) for name, levels in COMPARISONS)
        return cls(prior=float(data["prior"]), m=m, u=u, info=dict(data.get("info") or {}))


@dataclass(frozen=True)
class EmResult:
    model: Model
    iterations: int
    converged: bool
    pairs: int


def estimate(
    patterns: Mapping[Pattern, int],
    start: Model,
    *,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
    known_non_match: Callable[[Pattern], bool] | None = None,
) -> EmResult:
    """Run EM from ``start`` on pattern counts until parameters move less than ``tolerance``.

    ``start`` decides which latent class is "match": give it a high ``m`` for exact
    agreement (the shipped default model does), and EM keeps that labelling.
    ``known_non_match`` marks patterns that are non-matches by rule (their posterior is
    fixed at 0): without it, twins — who agree on everything but the given name and
    NAM — are absorbed into the match class and teach it that address agreement is
    nearly certain proof.
    """
    excluded = {pattern for pattern in patterns if known_non_match is not None and known_non_match(pattern)}
    items = [(pattern, count) for pattern, count in patterns.items() if count > 0]
    total = sum(count for _pattern, count in items)
    if total == 0:
        raise ValueError("EM needs at least one compared pair")
    model = start
    for iteration in range(1, max_iterations + 1):
        updated = _step(items, total, model, excluded)
        if _distance(model, updated) < tolerance:
            return EmResult(_with_info(updated, iteration, total), iteration, True, total)
        model = updated
    return EmResult(_with_info(model, max_iterations, total), max_iterations, False, total)


def _step(items: list[tuple[Pattern, int]], total: int, model: Model, excluded: set[Pattern]) -> Model:
    """One E-step (posterior match probability per pattern) and M-step (new m, u, λ)."""
    sizes = [len(levels) for _name, levels in COMPARISONS]
    m_counts = [[_SMOOTHING] * size for size in sizes]
    u_counts = [[_SMOOTHING] * size for size in sizes]
    matched = 0.0
    for pattern, count in items:
        posterior = 0.0 if pattern in excluded else probability(model.match_weight(pattern))
        as_match, as_non_match = count * posterior, count * (1 - posterior)
        matched += as_match
        for i, level in enumerate(pattern):
            if level is not None:
                m_counts[i][level] += as_match
                u_counts[i][level] += as_non_match
    prior = min(max(matched / total, _FLOOR), 1 - _FLOOR)
    return Model(prior=prior, m=_normalized(m_counts), u=_normalized(u_counts), info=model.info)


def _normalized(counts: list[list[float]]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(max(c / sum(row), _FLOOR) for c in row) for row in counts)


def _distance(a: Model, b: Model) -> float:
    gaps = [abs(a.prior - b.prior)]
    for rows_a, rows_b in ((a.m, b.m), (a.u, b.u)):
        for row_a, row_b in zip(rows_a, rows_b, strict=True):
            gaps.extend(abs(x - y) for x, y in zip(row_a, row_b, strict=True))
    return max(gaps)


def _with_info(model: Model, iterations: int, pairs: int) -> Model:
    info = {"iterations": iterations, "pairs": pairs}
    return Model(prior=model.prior, m=model.m, u=model.u, info=info)
