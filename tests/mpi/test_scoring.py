"""Fellegi–Sunter weights and the EM estimate of their parameters."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from dsn.mpi.compare import COMPARISONS
from dsn.mpi.default_model import DEFAULT_MODEL
from dsn.mpi.features import extract
from dsn.mpi.grades import guard
from dsn.mpi.population import generate_population, true_pairs
from dsn.mpi.scoring import Model, estimate, probability
from dsn.mpi.training import pattern_counts


def test_weights_are_log2_likelihood_ratios_and_missing_fields_count_zero() -> None:
    model = DEFAULT_MODEL
    nam_exact = math.log2(model.m[0][0] / model.u[0][0])
    assert model.weights[0][0] == pytest.approx(nam_exact)
    only_nam = (0,) + (None,) * (len(COMPARISONS) - 1)
    assert model.match_weight(only_nam) == pytest.approx(model.prior_weight + nam_exact)
    assert probability(0) == 0.5 and probability(100) == 1.0 and probability(-100) == 0.0


def test_model_round_trips_through_its_stored_form() -> None:
    again = Model.from_dict(DEFAULT_MODEL.to_dict())
    assert (again.prior, again.m, again.u) == (DEFAULT_MODEL.prior, DEFAULT_MODEL.m, DEFAULT_MODEL.u)
    with pytest.raises(ValueError):
        Model(prior=1.5, m=DEFAULT_MODEL.m, u=DEFAULT_MODEL.u)


def _sample_patterns(truth: Model, pairs: int, seed: int) -> Counter:
    rng = random.Random(seed)
    counts: Counter = Counter()
    for _ in range(pairs):
        probabilities = truth.m if rng.random() < truth.prior else truth.u
        counts[tuple(rng.choices(range(len(row)), row)[0] for row in probabilities)] += 1
    return counts


def test_em_recovers_the_parameters_that_generated_the_data() -> None:
    truth = Model(
        prior=0.3,
        m=((0.9, 0.05, 0.05), (0.8, 0.1, 0.05, 0.05), (0.8, 0.1, 0.05, 0.05), (0.85, 0.1, 0.05), (0.98, 0.02),
           (0.7, 0.1, 0.2), (0.7, 0.3)),
        u=((0.001, 0.002, 0.997), (0.1, 0.05, 0.05, 0.8), (0.2, 0.1, 0.1, 0.6), (0.05, 0.1, 0.85), (0.5, 0.5),
           (0.01, 0.05, 0.94), (0.01, 0.99)),
    )  # fmt: skip
    result = estimate(_sample_patterns(truth, 40_000, seed=3), DEFAULT_MODEL)
    assert result.converged and result.pairs == 40_000
    assert result.model.prior == pytest.approx(0.3, abs=0.02)
    for estimated, expected in ((result.model.m, truth.m), (result.model.u, truth.u)):
        for row_e, row_t in zip(estimated, expected, strict=True):
            assert list(row_e) == pytest.approx(list(row_t), abs=0.03)


def test_em_converges_on_synthetic_duplicates_and_learns_what_agreement_means() -> None:
    records = list(generate_population("em", 1500))
    features = {r.id: extract(r.resource) for r in records}
    pairs = true_pairs(records)
    rng = random.Random(5)
    ids = list(features)
    # Blocked-like pairs: every true pair plus non-matches sharing a birth year.
    by_year: dict[str, list[str]] = {}
    for pid, f in features.items():
        by_year.setdefault(f.birth_year or "", []).append(pid)
    others = []
    for _ in range(4000):
        a = rng.choice(ids)
        b = rng.choice(by_year[features[a].birth_year or ""])
        if a != b and (min(a, b), max(a, b)) not in pairs:
            others.append((features[a], features[b]))
    counts = pattern_counts([(features[a], features[b]) for a, b in pairs] + others)
    result = estimate(counts, DEFAULT_MODEL, known_non_match=lambda levels: guard(levels) is not None)
    assert result.converged
    model = result.model
    assert model.prior == pytest.approx(len(pairs) / (len(pairs) + len(others)), rel=0.15)
    for index, (name, levels) in enumerate(COMPARISONS):
        exact = 0
        assert model.weights[index][exact] > 0, name
        assert model.weights[index][len(levels) - 1] < 0, name


def test_em_refuses_an_empty_input() -> None:
    with pytest.raises(ValueError):
        estimate({}, DEFAULT_MODEL)
