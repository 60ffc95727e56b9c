"""From a match weight to a FHIR ``match-grade``: certain, probable, possible, certainly-not.

The grades are what a registration clerk acts on (FHIR's ``match-grade`` extension):

* ``certain`` — the same person; a system may link the records without asking anyone;
* ``probable`` — very likely the same person; shown first, confirmed by a person;
* ``possible`` — worth a look, not more;
* ``certainly-not`` — not the same person (returned only when worth saying, e.g. a
  candidate carrying the very NAM that was searched).

Thresholds apply to the match weight (log2 odds, prior included, see
:mod:`dsn.mpi.scoring`).  The defaults were chosen on the benchmark's synthetic
population (``bench/mpi.py``, figures in ``docs/benchmarks.md``): ``probable`` is the
lowest weight where certain+probable keep a precision of at least 0.995, ``certain`` the
lowest where precision measured 1.0 with a margin, ``possible`` where precision falls
under one half.  A trained model (``dsn mpi train``) may carry its own.
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


DEFAULT_THRESHOLDS: Final = Thresholds(certain=20.0, probable=8.0, possible=0.0)


_NAM, _FAMILY, _GIVEN, _BIRTH = 0, 1, 2, 3
_NAM_DIFFERENT, _GIVEN_DIFFERENT = 2, 3


def guard(levels: Sequence[int | None]) -> str | None:
    """Why a pair may be graded ``possible`` at best, whatever its weight (None: no reason).

    Fellegi–Sunter assumes fields agree independently; the two patterns below break that
    assumption the most, and wrongly merging two people is the costliest error:

    * ``different-nam`` — both records carry a NAM and they differ by more than a typo:
      two RAMQ registrations, so two people until someone checks;
    * ``twin`` — same family name and birth date, given names unrelated: twins (who
      also share address and phone, which would otherwise add up to a match).
    """
    if levels[_NAM] == _NAM_DIFFERENT:
        return "different-nam"
    if levels[_GIVEN] == _GIVEN_DIFFERENT and levels[_FAMILY] in (0, 1) and levels[_BIRTH] == 0:
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
