"""Nicknames and short forms of given names, French (Quebec) and English.

A clinic may register ``Bob Tremblay`` whom the RAMQ knows as ``Robert``, or ``Steph``
for ``Stéphanie``; the matcher treats such pairs as a ``variant`` agreement, weaker than
the same name but far stronger than two unrelated names.  Keys and values are compact
folded forms (lower-case, no accents, no separators: ``Marie-Ève`` → ``marieeve``), as
:func:`dsn.mpi.features.compact` makes them.

A short form may stand for several names (``alex``: Alexandre, Alexandra, Alexis); two
given names are variants when their canonical sets intersect.  The list is curated, not
exhaustive: it holds the forms common in Quebec registries (French diminutives, the
``Jos``/``Ti-`` forms of older Quebecers, initials of compound names such as ``JF``) and
the usual English ones.
"""

from __future__ import annotations

from functools import cache
from typing import Final

__all__ = ["canonical_names", "short_forms_of"]

_SHORT_FORMS: Final[dict[str, tuple[str, ...]]] = {
    # French (Quebec)
    "alex": ("alexandre", "alexandra", "alexis", "alexander"),
    "alexe": ("alexandra",),
    "ben": ("benoit", "benjamin"),
    "cath": ("catherine",),
    "caro": ("caroline",),
    "charlie": ("charles", "charlotte", "charlesantoine"),
    "chris": ("christophe", "christian", "christine", "christopher", "jeanchristophe"),
    "dan": ("daniel",),
    "dany": ("daniel",),
    "danny": ("daniel",),
    "dom": ("dominic", "dominique"),
    "emy": ("emilie",),
    "flo": ("florence",),
    "fanny": ("francoise", "stephanie"),
    "fred": ("frederic", "frederick"),
    "gab": ("gabriel", "gabrielle"),
    "gaby": ("gabriel", "gabrielle"),
    "gen": ("genevieve",),
    "gigi": ("ginette", "gisele"),
    "guy": ("guillaume",),
    "isa": ("isabelle",),
    "jf": ("jeanfrancois",),
    "jp": ("jeanphilippe", "jeanpierre"),
    "js": ("jeansebastien",),
    "jc": ("jeanchristophe", "jeanclaude"),
    "jos": ("joseph",),
    "jo": ("joseph", "josee", "johanne"),
    "ju": ("julie", "juliette"),
    "jules": ("julien",),
    "lulu": ("lucie", "lucille"),
    "mado": ("madeleine",),
    "manu": ("emmanuel", "emmanuelle"),
    "marc": ("marcandre",),
    "max": ("maxime", "maximilien", "maxence"),
    "mel": ("melanie", "melissa"),
    "mimi": ("emilie", "micheline", "michele"),
    "nath": ("nathalie", "nathan"),
    "nico": ("nicolas",),
    "pl": ("pierreluc",),
    "ray": ("raymond", "raymonde"),
    "raph": ("raphael",),
    "seb": ("sebastien",),
    "sam": ("samuel", "samantha", "samira"),
    "steph": ("stephane", "stephanie"),
    "syl": ("sylvie", "sylvain"),
    "theo": ("theodore", "theophile"),
    "thom": ("thomas",),
    "val": ("valerie",),
    "vero": ("veronique",),
    "zach": ("zachary",),
    "zack": ("zachary",),
    # English
    "abby": ("abigail",),
    "andy": ("andrew", "andre"),
    "beth": ("elizabeth",),
    "betty": ("elizabeth",),
    "bill": ("william",),
    "billy": ("william",),
    "bob": ("robert",),
    "bobby": ("robert",),
    "chuck": ("charles",),
    "dave": ("david",),
    "jim": ("james",),
    "jimmy": ("james",),
    "jack": ("john", "jacques"),
    "johnny": ("john",),
    "jen": ("jennifer",),
    "jenny": ("jennifer",),
    "jess": ("jessica",),
    "kate": ("catherine", "kathleen"),
    "kathy": ("catherine", "kathleen"),
    "katie": ("catherine", "kathleen"),
    "kay": ("catherine", "kathleen"),
    "ken": ("kenneth",),
    "kev": ("kevin",),
    "liz": ("elizabeth",),
    "lizzie": ("elizabeth",),
    "maggie": ("margaret",),
    "matt": ("matthew", "mathieu", "mathis"),
    "meg": ("megan", "margaret"),
    "mike": ("michael", "michel"),
    "mick": ("michael",),
    "pat": ("patrick", "patricia"),
    "peggy": ("margaret",),
    "rob": ("robert",),
    "sue": ("susan",),
    "susie": ("susan",),
    "tom": ("thomas",),
    "tommy": ("thomas",),
    "tony": ("antoine", "anthony"),
    "will": ("william",),
    "bud": ("william",),
    "ted": ("edward", "edouard"),
    "eddie": ("edward", "edouard"),
    "ed": ("edward", "edouard"),
}


@cache
def _canonical_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for short, names in _SHORT_FORMS.items():
        index.setdefault(short, set()).update(names)
    return {short: frozenset(names) for short, names in index.items()}


def canonical_names(compact_given: str) -> frozenset[str]:
    """The full names ``compact_given`` may stand for, itself included.

    ``bob`` → {bob, robert}; ``robert`` → {robert}.  Only the table is consulted (no
    guessing from prefixes), so every equivalence the matcher uses is listed above.
    """
    return frozenset({compact_given}) | _canonical_index().get(compact_given, frozenset())


def short_forms_of(compact_given: str) -> tuple[str, ...]:
    """The short forms listed for a full name (``robert`` → ``bob``, ``bobby``, ``rob``)."""
    return tuple(sorted(short for short, names in _canonical_index().items() if compact_given in names))
