"""From a match weight to a FHIR ``match-grade``: certain, probable, possible, certainly-not.

The grades are what a registration clerk acts on (FHIR's ``match-grade`` extension):

* ``certain`` — the same person; a system may link the records without asking anyone;
* ``probable`` — very likely the same person; shown first, confirmed by a person;
* ``possible`` — worth a look, not more;
* ``certainly-not`` — not the same person (returned only when worth saying, e.g. a
  candidate carrying the very NAM that was searched).

Thresholds apply to the match weight (log2 odds, prior included, see
:mod:`dsn.mpi.scoring`).  The defaults were chosen from the benchmark's threshold sweeps
(``bench/mpi.py`` at 10,000 and 100,000 people, ``docs/benchmarks.md``):

* ``certain`` ≥ 15 — no false pair measured above 12;
* ``probable`` ≥ −2 — certain+probable keep a precision above 0.997 with a recall
  above 0.96 at both sizes, and the commonest hard duplicate (same names and birth
  date, moved, no NAM: weight ≈ −0.4 at 100,000) sits clear of the line;
* ``possible`` ≥ −8 — below it fewer than one pair in twenty is a duplicate.

Because the prior is part of the weight, a larger index (more look-alikes per true
duplicate) lowers every weight after ``dsn mpi train``: grades get more cautious as the
index grows, which is what keeps precision up.  A trained model keeps these thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = ["DEFAULT_THRESHOLDS", "GRADES", "Grade", "Thresholds", "grade_for", "guard"]

Grade = Literal["certain", "probable", "possible", "certainly-not"]
GRADES: Final[tuple[Grade, ...]] = ("certain", "probable", "possible", "certainly-not")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lowest match weight of each grade (``certain`` > ``probable`` > ``possible``)."""

    certain: float
    probable: float
    possible: float

    def __post_init__(self) -> None:
        if not self.certain >= self.probable >= self.possible:
            raise ValueError("thresholds must satisfy certain >= probable >= possible")

    def to_dict(self) -> dict[str, float]:
        return {"certain": self.certain, "probable": self.probable, "possible": self.possible}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        return cls(float(data["certain"]), float(data["probable"]), float(data["possible"]))


DEFAULT_THRESHOLDS: Final = Thresholds(certain=15.0, probable=-2.0, possible=-8.0)


_NAM, _FAMILY, _GIVEN, _BIRTH = 0, 1, 2, 3
_NAM_EXACT, _NAM_DIFFERENT, _GIVEN_DIFFERENT = 0, 2, 3


def guard(levels: Sequence[int | None]) -> str | None:
    """Why a pair may be graded ``possible`` at best, whatever its weight (None: no reason).

    Fellegi–Sunter assumes fields agree independently; the two patterns below break that
    assumption the most, and wrongly merging two people is the costliest error:

    * ``different-nam`` — both records carry a NAM and they differ by more than a typo:
      two RAMQ registrations, so two people until someone checks;
    * ``twin`` — same (or nearly) family name and birth date, given names unrelated, and
      not the same NAM: twins (who also share address and phone, which would otherwise
      add up to a match).
    """
    if levels[_NAM] == _NAM_DIFFERENT:
        return "different-nam"
    if (
        levels[_GIVEN] == _GIVEN_DIFFERENT
        and levels[_FAMILY] in (0, 1, 2)
        and levels[_BIRTH] == 0
        and levels[_NAM] != _NAM_EXACT
    ):
        return "twin"
    return None


def grade_for(
    weight: float, thresholds: Thresholds = DEFAULT_THRESHOLDS, levels: Sequence[int | None] | None = None
) -> Grade:
    """The grade of a match weight, lowered to ``possible`` when a :func:`guard` applies."""
    if weight >= thresholds.certain:
        grade: Grade = "certain"
    elif weight >= thresholds.probable:
        grade = "probable"
    elif weight >= thresholds.possible:
        grade = "possible"
    else:
        grade = "certainly-not"
    if grade in ("certain", "probable") and levels is not None and guard(levels) is not None:
        return "possible"
    return grade
