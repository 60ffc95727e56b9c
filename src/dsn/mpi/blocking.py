"""Blocking keys: which indexed patients a record is compared with at all.

Comparing a record with every patient is out of the question at 8.9 million; a record is
compared only with patients sharing at least one *blocking key*.  Each key is chosen so
that a duplicate survives any one realistic corruption through some other key, while a
key's block stays small even for the commonest names of the province:

==========================  ==========================================================
``N|nam``                   same NAM
``D|name|birth date``       any name token (family, given, compound part, nickname's
                            full name) sounding alike, and the same birth date — holds
                            through typos in the other name, married names, swapped
                            names
``Y|name|name|birth year``  a family and a given name sounding alike (as an unordered
                            pair, so swapped names meet), same year — holds through a
                            wrong day or month, day/month swaps
``M|name|name|month-day``   same pair, same day of the year — holds through a wrong or
                            transposed year
``P|postal code|birth date`` same full postal code and birth date — holds through a new
                            name *and* a nickname (married name, ``Bob`` for Robert)
``T|phone|birth date``      same phone and birth date, for the same reason
==========================  ==========================================================

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
    family, given = name_tokens(features)
    birth = features.birth_date
    if birth:
        for token in {*family, *given}:
            keys.add(f"D|{token}|{birth}")
    if birth and len(birth) >= 4:
        year = birth[:4]
        month_day = birth[5:] if len(birth) == 10 else None
        for f in family:
            for g in given:
                pair = "|".join(sorted((f, g)))
                keys.add(f"Y|{pair}|{year}")
                if month_day:
                    keys.add(f"M|{pair}|{month_day}")
    if birth and len(birth) == 10:
        for postal in features.postal_codes:
            if len(postal) == 6:
                keys.add(f"P|{postal}|{birth}")
        for phone in features.phones:
            keys.add(f"T|{phone}|{birth}")
    return keys


def key_hashes(features: PatientFeatures) -> list[int]:
    return sorted({hash_key(key) for key in block_keys(features)})
