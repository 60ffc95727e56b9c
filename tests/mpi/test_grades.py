"""Grades from weights, and the guards that hold risky pairs at ``possible``."""

from __future__ import annotations

import pytest

from dsn.mpi.grades import DEFAULT_THRESHOLDS, Thresholds, grade_for, guard

EXACT_EVERYWHERE = (0, 0, 0, 0, 0, 0, 0)


def test_weights_map_to_grades_by_threshold() -> None:
    t = Thresholds(certain=15, probable=0, possible=-8)
    assert [grade_for(w, t) for w in (30, 15, 3, 0, -5, -8, -20)] == [
        "certain", "certain", "probable", "probable", "possible", "possible", "certainly-not",
    ]  # fmt: skip


def test_thresholds_must_be_ordered_and_round_trip() -> None:
    with pytest.raises(ValueError):
        Thresholds(certain=0, probable=5, possible=-1)
    assert Thresholds.from_dict(DEFAULT_THRESHOLDS.to_dict()) == DEFAULT_THRESHOLDS


def test_two_different_nams_are_never_more_than_possible() -> None:
    levels = (2, 0, 0, 0, 0, 0, 0)
    assert guard(levels) == "different-nam"
    assert grade_for(100, DEFAULT_THRESHOLDS, levels) == "possible"
    assert grade_for(-100, DEFAULT_THRESHOLDS, levels) == "certainly-not"  # a guard never raises a grade


def test_twins_are_held_at_possible_unless_their_nam_is_the_same() -> None:
    twins = (None, 0, 3, 0, 0, 0, 0)  # same family, birth date, address; given names unrelated
    assert guard(twins) == "twin"
    assert grade_for(40, DEFAULT_THRESHOLDS, twins) == "possible"
    same_nam = (0, 0, 3, 0, 0, 0, 0)
    assert guard(same_nam) is None
    assert grade_for(40, DEFAULT_THRESHOLDS, same_nam) == "certain"
    assert guard(EXACT_EVERYWHERE) is None
    assert guard((None, 0, 3, 1, 0, 0, 0)) is None  # birth dates differ: not the twin pattern
