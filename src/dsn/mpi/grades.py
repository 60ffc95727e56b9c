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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = ["DEFAULT_THRESHOLDS", "GRADES", "Grade", "Thresholds", "grade_for"]

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


def grade_for(weight: float, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Grade:
    if weight >= thresholds.certain:
        return "certain"
    if weight >= thresholds.probable:
        return "probable"
    if weight >= thresholds.possible:
        return "possible"
    return "certainly-not"
