"""Blocking keys: which indexed patients a record is compared with at all.

Comparing a record with every patient is out of the question at 8.9 million; a record is
compared only with patients sharing at least one *blocking key*.  Each key is chosen so
that a duplicate survives any one realistic corruption through some other key, while a
key's block stays small even for the commonest names of the province:

===================================  =================================================
``N|nam``                            same NAM
``D|name|birth date``                any name token (family, given, compound part, a
                                     nickname's full name) sounding alike, and the
                                     same birth date, day and month in either order —
                                     holds through typos in the other name, married
                                     names, swapped names, day/month swaps
``I|name|initial|birth year``        a name sounding alike, the *other* name's
                                     phonetic initial, the same year — holds through a
                                     typo in the other name plus a wrong day or month
``I|name|initial|month-day``         the same with the day of the year — holds through
                                     a typo in the other name plus a wrong year
``P|postal code|birth date``         same full postal code and birth date — holds
                                     through a new name *and* a nickname (married
                                     name, ``Bob`` for Robert)
``T|phone|birth date``               same phone and birth date, for the same reason
===================================  =================================================

Family and given tokens share one key space (``I`` keys are made for family-then-given
and given-then-family), so a record with swapped names meets its original.

Birth year + sex and the postal prefix alone, the classic coarse keys, are *not* used:
at provincial scale they make blocks of tens of thousands.

Keys are stored as 64-bit hashes (BLAKE2b): an index of integers is smaller and faster
than one of strings, and a collision only adds a candidate that scoring then rejects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Final

from dsn.mpi.features import NameForm, PatientFeatures
from dsn.mpi.nicknames import canonical_names
from dsn.mpi.phonetic import phonetic_key

__all__ = ["block_keys", "hash_key", "key_hashes", "name_tokens"]

_MAX_TOKENS: Final = 8
_MIN_TOKEN_KEY: Final = 1


def hash_key(key: str) -> int:
    """The signed 64-bit hash stored for a key (fits PostgreSQL ``bigint``)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _form_tokens(form: NameForm, *, given: bool) -> list[str]:
    """Phonetic keys of a name: the whole core, each part of a compound, full names of a nickname."""
    tokens = [form.key]
    if len(form.parts) > 1:
        tokens += [phonetic_key(part) for part in form.parts if len(part) > 1]
    if given:
        tokens += [phonetic_key(name) for name in canonical_names(form.compact) if name != form.compact]
    return [token for token in tokens if len(token) >= _MIN_TOKEN_KEY]


def name_tokens(features: PatientFeatures) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(family tokens, given tokens): distinct phonetic keys, at most a few of each."""
    family = _distinct(token for form in features.family for token in _form_tokens(form, given=False))
    given = _distinct(token for form in features.given for token in _form_tokens(form, given=True))
    return family[:_MAX_TOKENS], given[:_MAX_TOKENS]


def _distinct(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokens))


def block_keys(features: PatientFeatures) -> set[str]:
    """Every blocking key of a record (see the module docstring)."""
    keys: set[str] = set()
    if features.nam:
        keys.add(f"N|{features.nam}")
    birth = features.birth_date
    if not birth:
        return keys
    family, given = name_tokens(features)
    day = _unordered_day(birth)
    for token in {*family, *given}:
        keys.add(f"D|{token}|{day}")
    year = birth[:4]
    month_day = birth[5:] if len(birth) == 10 else None
    for tokens, others in ((family, given), (given, family)):
        initials = {other[0] for other in others}
        for token in tokens:
            for initial in initials:
                keys.add(f"I|{token}|{initial}|{year}")
                if month_day:
                    keys.add(f"I|{token}|{initial}|{month_day}")
    if len(birth) == 10:
        for postal in features.postal_codes:
            if len(postal) == 6:
                keys.add(f"P|{postal}|{birth}")
        for phone in features.phones:
            keys.add(f"T|{phone}|{birth}")
    return keys


def _unordered_day(birth: str) -> str:
    """``1985-10-03`` and ``1985-03-10`` give the same ``1985-03-10``: day/month swaps meet."""
    if len(birth) != 10:
        return birth
    month, day = birth[5:7], birth[8:10]
    return f"{birth[:4]}-{min(month, day)}-{max(month, day)}"


def key_hashes(features: PatientFeatures) -> list[int]:
    return sorted({hash_key(key) for key in block_keys(features)})
