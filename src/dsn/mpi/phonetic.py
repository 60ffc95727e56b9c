"""A phonetic key for Quebec names: French spelling rules first, then Metaphone.

Metaphone (jellyfish) knows English spelling; Quebec family names follow French
spelling, where ``Perreault``, ``Perrault`` and ``Perreau`` sound the same, ``Thibault``
and ``Thibeault`` too, and ``Gagnon`` has no hard ``g-n``.  So the name is first rewritten
with the French sound rules that matter for names (``eau``/``ault`` → ``o``, ``gn`` →
``ni``, silent final consonants, ``th`` → ``t``, ``mac`` → ``mc``…), then Metaphone
folds what remains (``ph``/``f``, ``c``/``k``/``q``, vowels after the first letter).

The key is used twice: as a blocking key (two records whose names sound alike are
compared at all) and as the ``fuzzy`` level of name comparison.  It is deliberately
coarse: a few distinct names sharing a key only costs a comparison, while two spellings
of one name with different keys can cost a missed duplicate.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import jellyfish

__all__ = ["french_sounds", "phonetic_key"]

# Ordered: longer spellings before the shorter ones they contain.
_RULES: Final = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^mac", "mc"),
        (r"eaux?$", "o"),
        (r"eault$", "o"),
        (r"aux$", "o"),
        (r"aul[dt]s?$", "o"),
        (r"au[dtx]s?$", "o"),
        (r"eau", "o"),
        (r"ault", "o"),
        (r"au", "o"),
        (r"th", "t"),
        (r"ph", "f"),
        (r"gn", "ni"),
        (r"qu", "k"),
        (r"gu(?=[eiy])", "g"),
        (r"ck", "k"),
        (r"(?<=[aeiou])y", "i"),
        (r"[ae]i(?=[^n]|$)", "e"),
        (r"ette$", "et"),
        (r"elle$", "el"),
        (r"(?<=[aeiou])s(?=[aeiou])", "z"),
        (r"([a-z])\1+", r"\1"),
        (r"(?<=[a-z]{3})[tdsxzp]$", ""),
        (r"(?<=[a-z]{3})e$", ""),
    )
)


@lru_cache(maxsize=65536)
def french_sounds(compact: str) -> str:
    """``compact`` (lower-case ASCII letters) rewritten with French sound rules."""
    text = compact
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=65536)
def phonetic_key(compact: str) -> str:
    """The phonetic key of a name given as lower-case ASCII letters (``perreault`` → ``PR``).

    Empty input gives an empty key.  Names Metaphone reduces to nothing (all silent
    letters) keep their rewritten spelling, upper-cased, so they still have a key.
    """
    if not compact:
        return ""
    sounds = french_sounds(compact)
    return jellyfish.metaphone(sounds).replace(" ", "") or sounds.upper()
