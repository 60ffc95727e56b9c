"""Case- and accent-insensitive text, as FHIR ``string`` search requires.

FHIR says a string parameter matches "case-insensitive and accent-insensitive"
and from the start of the value. The index stores this normalized form beside the
exact text, and the query side normalizes the searched text the same way, so that
``name=belanger`` finds ``Bélanger`` and ``name=COTE`` finds ``Côté``: in a
French-speaking province, accents are the rule, not the exception.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letters that Unicode does not decompose into base letter + accent, but that a
# person typing without the accent would write as these.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ẞ": "ss",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "þ": "th",
        "Þ": "th",
    }
)


@lru_cache(maxsize=65536)
def normalize_string(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of ``text`` (``Côté`` -> ``cote``).

    Steps: expand ligatures (œ -> oe, æ -> ae, ß -> ss), decompose (NFKD) and
    drop the combining marks, casefold, then decompose and drop marks again
    because casefolding can itself produce them (``İ`` -> ``i̇``); finally
    collapse runs of whitespace to one space.
    Cached, because displays and names repeat across resources.
    """
    if text.isascii():
        return " ".join(text.lower().split())
    folded = _strip_marks(_strip_marks(text.translate(_LIGATURES)).casefold())
    return " ".join(folded.split())


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
