"""Comparing two patients field by field: the agreement level of each comparison.

Fellegi–Sunter needs, for a pair of records, a small discrete vector: for each field, how
well the two agree.  The levels, best first (``None`` when either side lacks the field,
which then counts neither for nor against):

============  =====================================================================
nam           exact · near (one digit wrong, or two adjacent digits swapped) · different
family        exact · fuzzy (typo, same sound, or only particles differ:
              ``De la Fontaine``/``Fontaine``) · part (a shared part of a compound
              name: ``Lévesque-Tremblay``/``Tremblay``) · different
given         exact · variant (nickname, short form, part of a compound name,
              only ``Marie``/``Joseph`` in common) · fuzzy · different
birth_date    exact · near (day and month swapped, two adjacent digits swapped,
              one digit wrong; or equal as far as a partial date goes) · different
sex           same · different
postal        exact · area (same forward sortation area, first 3 characters) · different
phone         exact · different
============  =====================================================================

Every name of each record takes part (official, usual, maiden…), the best agreement
counts: a married name beside the maiden name still finds the maiden name.  Family and
given names are also compared crosswise; if that agrees better the pair is marked
``swapped`` (a clerk typed the names in the wrong boxes) and the crosswise levels count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rapidfuzz.distance import OSA, JaroWinkler

from dsn.mpi.features import NameForm, PatientFeatures
from dsn.mpi.nicknames import canonical_names

__all__ = ["COMPARISONS", "Comparison", "compare", "level_name"]

COMPARISONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("nam", ("exact", "near", "different")),
    ("family", ("exact", "fuzzy", "part", "different")),
    ("given", ("exact", "variant", "fuzzy", "different")),
    ("birth_date", ("exact", "near", "different")),
    ("sex", ("same", "different")),
    ("postal", ("exact", "area", "different")),
    ("phone", ("exact", "different")),
)
"""Every comparison and its levels, best first; a vector holds one level index per entry."""

FIELDS: Final = tuple(name for name, _levels in COMPARISONS)

# Baptismal first names that older French-Canadians carry before the name they use: a
# match on them alone says little.
BAPTISMAL: Final = frozenset({"marie", "joseph"})
_FAMILY_FUZZY_JW: Final = 0.92
_GIVEN_FUZZY_JW: Final = 0.90
_SOUNDS_ALIKE_JW: Final = 0.80


@dataclass(frozen=True, slots=True)
class Comparison:
    """The agreement vector of a pair (level index per :data:`COMPARISONS` entry)."""

    levels: tuple[int | None, ...]
    swapped: bool = False

    def level(self, field: str) -> str | None:
        index = self.levels[FIELDS.index(field)]
        return None if index is None else COMPARISONS[FIELDS.index(field)][1][index]


def level_name(field_index: int, level: int | None) -> str:
    return "missing" if level is None else COMPARISONS[field_index][1][level]


def compare(a: PatientFeatures, b: PatientFeatures) -> Comparison:
    """The agreement vector of two patients (symmetric in ``a`` and ``b``)."""
    family = _family_level(a.family, b.family)
    given = _given_level(a.given, b.given)
    swapped = False
    if family is not None and given is not None and family + given > 0:
        # Crosswise, a's family meets b's given and a's given b's family; either pair may
        # hold the family names, so both readings are tried (which also keeps compare
        # symmetric).
        readings = [
            (f + g, f, g)
            for f, g in (
                (_family_level(a.family, b.given), _given_level(a.given, b.family)),
                (_family_level(b.family, a.given), _given_level(b.given, a.family)),
            )
            if f is not None and g is not None
        ]
        if readings and min(readings)[0] < family + given:
            _total, family, given = min(readings)
            swapped = True
    return Comparison(
        levels=(
            _nam_level(a.nam, b.nam),
            family,
            given,
            _date_level(a.birth_date, b.birth_date),
            None if a.sex is None or b.sex is None else (0 if a.sex == b.sex else 1),
            _postal_level(a.postal_codes, b.postal_codes),
            None if not a.phones or not b.phones else (0 if set(a.phones) & set(b.phones) else 1),
        ),
        swapped=swapped,
    )


# --------------------------------------------------------------------------- identifiers


def one_typo_apart(x: str, y: str) -> bool:
    """Same length and one character different, or two adjacent characters swapped."""
    if len(x) != len(y) or x == y:
        return False
    diffs = [i for i, (cx, cy) in enumerate(zip(x, y, strict=True)) if cx != cy]
    if len(diffs) == 1:
        return True
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and x[diffs[0]] == y[diffs[1]] and x[diffs[1]] == y[diffs[0]]


# A typo in the digits of a NAM is "near"; in the letters it is not: the letters follow
# from the names (compared on their own), and two people with the same birth date and
# names one letter apart (Vachon/Lacroix, Chantal/Mélanie) have NAMs one letter apart.
_NAM_TYPO_POSITIONS: Final = frozenset(range(4, 12))


def _nam_level(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    if a == b:
        return 0
    if one_typo_apart(a, b) and len(a) == len(b):
        differing = {i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y}
        if differing <= _NAM_TYPO_POSITIONS:
            return 1
    return 2


def _date_level(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    if a == b:
        return 0
    if len(a) != 10 or len(b) != 10:
        shorter = min(len(a), len(b))
        return 1 if a[:shorter] == b[:shorter] else 2
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return 1  # day and month swapped
    return 1 if one_typo_apart(a.replace("-", ""), b.replace("-", "")) else 2


def _postal_level(a: tuple[str, ...], b: tuple[str, ...]) -> int | None:
    if not a or not b:
        return None
    if set(a) & set(b):
        return 0
    return 1 if {code[:3] for code in a} & {code[:3] for code in b} else 2


# --------------------------------------------------------------------------- names


def _family_level(a: tuple[NameForm, ...], b: tuple[NameForm, ...]) -> int | None:
    if not a or not b:
        return None
    best = 3
    for x in a:
        for y in b:
            best = min(best, _family_pair(x, y))
            if best == 0:
                return 0
    return best


def _family_pair(x: NameForm, y: NameForm) -> int:
    if x.compact == y.compact:
        return 0
    if x.core == y.core or _similar(x.core, y.core, _FAMILY_FUZZY_JW, x.key == y.key):
        return 1
    if set(x.parts) & set(y.parts):
        return 2
    if len(x.parts) > 1 or len(y.parts) > 1:
        # A typo in one part of a compound name: compare part by part.
        for px in x.parts:
            for py in y.parts:
                if len(px) >= 4 and len(py) >= 4 and _similar(px, py, _FAMILY_FUZZY_JW, False):
                    return 2
    return 3


def _given_level(a: tuple[NameForm, ...], b: tuple[NameForm, ...]) -> int | None:
    if not a or not b:
        return None
    a_compact = {form.compact for form in a}
    b_compact = {form.compact for form in b}
    common = a_compact & b_compact
    if common - BAPTISMAL:
        return 0
    if common:
        # Only Marie/Joseph shared: exact if that is all either record has, else weak.
        return 0 if a_compact <= BAPTISMAL or b_compact <= BAPTISMAL else 1
    best = 3
    for x in a:
        for y in b:
            best = min(best, _given_pair(x, y))
            if best == 1:
                return 1
    return best


def _given_pair(x: NameForm, y: NameForm) -> int:
    if canonical_names(x.compact) & canonical_names(y.compact):
        return 1
    x_parts, y_parts = set(x.parts), set(y.parts)
    if len(x.parts) > 1 or len(y.parts) > 1:
        shared = (x_parts & {y.compact}) | (y_parts & {x.compact})
        if shared - BAPTISMAL:
            return 1  # Marie-Ève / Ève, Jean-François / François
        if (len(x.parts) > 1 and x.initials == y.compact) or (len(y.parts) > 1 and y.initials == x.compact):
            return 1  # Jean-François / JF
    if _similar(x.compact, y.compact, _GIVEN_FUZZY_JW, x.key == y.key):
        return 2
    return 3


def _similar(x: str, y: str, threshold: float, same_sound: bool) -> bool:
    """A typo or a spelling variant: one edit apart, close by Jaro–Winkler, or same sound."""
    if min(len(x), len(y)) >= 4 and OSA.distance(x, y, score_cutoff=1) <= 1:
        return True
    similarity = JaroWinkler.similarity(x, y)
    return similarity >= threshold or (same_sound and similarity >= _SOUNDS_ALIKE_JW)
