"""The NAM (numéro d'assurance maladie), Quebec's health insurance number issued by RAMQ.

A NAM is 4 letters and 8 digits, ``LLLF YYMM DDSC``:

* ``LLL``: the first three letters of the family name at birth; ``F``: the first letter
  of the first given name;
* ``YY``: the two-digit birth year (the century is *not* encoded);
* ``MM``: the birth month, plus 50 for women (``03`` a man born in March, ``53`` a woman);
* ``DD``: the birth day;
* ``S``: an administrative digit that tells apart people whose first ten characters are
  equal;
* ``C``: a check character.  RAMQ publishes no algorithm for it (a third-party one,
  INSPQ's *utilitaire-nam*, exists but is not reproduced here), so DSN never rejects a NAM
  because of it: a caller may plug in a :data:`NamCheck`, and a failure is a *warning*.

Letter rules DSN applies (RAMQ documents none; these follow what is seen on cards):

1. accents and ligatures are folded (``Bélanger`` → ``BELANGER``, ``Œ`` → ``OE``), upper case;
2. a leading ``Saint``/``Sainte``/``St``/``Ste`` *followed by a separator* (hyphen, space,
   dot) is shortened to ``ST``: ``St-Pierre`` → ``STP``, ``Sainte-Marie`` → ``STM``,
   ``Saint Onge`` → ``STO``; a name merely starting with those letters is left alone
   (``Stevens`` → ``STE``, ``Saintonge`` → ``SAI``);
3. every character that is not a letter (hyphen, apostrophe, space, dot) is dropped and
   particles are kept as written: ``D'Amours`` → ``DAM``, ``De la Fontaine`` → ``DEL``,
   ``Lévesque-Tremblay`` → ``LEV``, ``McDonald`` → ``MCD``;
4. a family name with fewer than three letters is padded with ``X``: ``Ng`` → ``NGX``,
   ``O`` → ``OXX``;
5. the given-name letter is the first letter of the first given name, folded the same
   way: ``Marie-Ève`` → ``M``, ``Émile`` → ``E``.

:func:`parse_nam` raises :class:`NamFormatError` (rather than returning ``None``) so that
callers — the registration form, the HL7 feed, the MPI — can show *why* a NAM is refused,
in English and in French.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

__all__ = [
    "FEMALE_MONTH_OFFSET",
    "NAM_LENGTH",
    "NAM_SYSTEM",
    "NamCheck",
    "NamFinding",
    "NamFormatError",
    "ParsedNam",
    "build_nam",
    "check_consistency",
    "dsn_check_character",
    "dsn_synthetic_check",
    "expected_letters",
    "normalize_nam",
    "parse_nam",
]

NAM_SYSTEM: Final = "https://dsn.quebec/fhir/NamingSystem/nam"
"""Identifier.system under which DSN records a NAM (Identifier.type JHN, v2-0203)."""

NAM_LENGTH: Final = 12
FEMALE_MONTH_OFFSET: Final = 50

Sex = Literal["female", "male"]
Severity = Literal["error", "warning"]
Field = Literal["family", "given", "birthDate", "gender", "format"]

NamCheck = Callable[[str], bool]
"""A check-character algorithm: takes a normalized, well-formed NAM, says if it verifies."""

_STRIPPED_FROM_NAM: Final = re.compile(r"[\s\-\u2010-\u2015]+")  # spaces, hyphens, dashes
_SAINT_PREFIX: Final = re.compile(r"^(?:SAINTE|SAINT|STE|ST)[\s\-.]+(?=[A-Z])")
_NOT_LETTER: Final = re.compile(r"[^A-Z]+")
_FHIR_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# Letters that NFKD does not decompose into a base letter plus marks.
_LIGATURES: Final = str.maketrans(
    {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o",
     "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th"}
)  # fmt: skip
_SEX_FR: Final = {"female": "féminin", "male": "masculin"}
# ICAO Doc 9303 check-digit weights, reused for DSN's synthetic check character.
_CHECK_WEIGHTS: Final = (7, 3, 1)


class NamFormatError(ValueError):
    """The text is not a well-formed NAM; ``message_fr`` says so in French."""

    def __init__(self, message: str, message_fr: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_fr = message_fr


@dataclass(frozen=True, slots=True)
class ParsedNam:
    """The parts of a well-formed NAM, decoded (the birth month is the real month)."""

    nam: str
    family_letters: str
    given_letter: str
    yy: int
    month: int
    day: int
    sex: Sex
    sequence: str
    check: str

    @property
    def letters(self) -> str:
        return self.family_letters + self.given_letter

    def birth_date_candidates(self, *, on_or_before: date | None = None) -> tuple[date, ...]:
        """Birth dates the NAM allows, in the 1900s and the 2000s (oldest first).

        The century is not encoded, so a NAM ``..20..`` fits a person born in 1920 and one
        born in 2020; ``on_or_before`` (usually today) drops dates in the future.
        """
        candidates = []
        for year in (1900 + self.yy, 2000 + self.yy):
            if self.day <= calendar.monthrange(year, self.month)[1]:
                born = date(year, self.month, self.day)
                if on_or_before is None or born <= on_or_before:
                    candidates.append(born)
        return tuple(candidates)


@dataclass(frozen=True, slots=True)
class NamFinding:
    """One disagreement between a NAM and the demographics it is recorded with."""

    severity: Severity
    field: Field
    message: str
    message_fr: str


# --------------------------------------------------------------------------- parsing


def normalize_nam(text: str) -> str:
    """The NAM as DSN stores and compares it: no spaces or hyphens, upper case, no accents.

    Cards print it as ``TREM 8503 1512`` and people type ``trem-8503-1512``; all are the
    same identifier, so every lookup goes through this one function.
    """
    return _fold(_STRIPPED_FROM_NAM.sub("", text))


def parse_nam(text: str) -> ParsedNam:
    """Normalize and decode a NAM; raise :class:`NamFormatError` if it is malformed.

    Checked: length, 4 letters then 8 digits, month 01–12 or 51–62, and a day that exists
    in that month in at least one of the two possible centuries (29 February is accepted
    for any leap two-digit year, and for ``00`` since 2000 was a leap year).  The check
    character is *not* verified here (see :func:`check_consistency`).
    """
    nam = normalize_nam(text)
    if len(nam) != NAM_LENGTH:
        raise NamFormatError(
            f"A NAM has 12 characters (4 letters, 8 digits); got {len(nam)}",
            f"Un NAM compte 12 caractères (4 lettres, 8 chiffres); reçu {len(nam)}",
        )
    letters, digits = nam[:4], nam[4:]
    if not (letters.isascii() and letters.isalpha()):
        raise NamFormatError(
            f"The first 4 characters of a NAM must be letters; got '{letters}'",
            f"Les 4 premiers caractères d'un NAM doivent être des lettres; reçu « {letters} »",
        )
    if not (digits.isascii() and digits.isdigit()):
        raise NamFormatError(
            f"The last 8 characters of a NAM must be digits; got '{digits}'",
            f"Les 8 derniers caractères d'un NAM doivent être des chiffres; reçu « {digits} »",
        )
    yy, encoded_month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if 1 <= encoded_month <= 12:
        month, sex = encoded_month, "male"
    elif 1 + FEMALE_MONTH_OFFSET <= encoded_month <= 12 + FEMALE_MONTH_OFFSET:
        month, sex = encoded_month - FEMALE_MONTH_OFFSET, "female"
    else:
        raise NamFormatError(
            f"NAM month {digits[2:4]} is neither 01–12 (men) nor 51–62 (women)",
            f"Le mois {digits[2:4]} du NAM n'est ni entre 01 et 12 (hommes) ni entre 51 et 62 (femmes)",
        )
    if not 1 <= day <= _max_day(yy, month):
        raise NamFormatError(
            f"NAM day {digits[4:6]} does not exist in month {month:02d}",
            f"Le jour {digits[4:6]} du NAM n'existe pas dans le mois {month:02d}",
        )
    return ParsedNam(
        nam=nam,
        family_letters=letters[:3],
        given_letter=letters[3],
        yy=yy,
        month=month,
        day=day,
        sex=sex,
        sequence=digits[6],
        check=digits[7],
    )


def _max_day(yy: int, month: int) -> int:
    """Longest the month can be for either century (only February differs: 1900 vs 2000)."""
    return max(calendar.monthrange(1900 + yy, month)[1], calendar.monthrange(2000 + yy, month)[1])


# --------------------------------------------------------------------------- letters


def expected_letters(family: str, given: str) -> str:
    """The four letters a NAM should start with for these names (rules in the module doc).

    ``family`` is the family name *at birth*; ``given`` the given names, the first of which
    counts.  Raises ``ValueError`` when either name has no letter at all, since no NAM can
    be derived from it.
    """
    return _family_letters(family) + _given_letter(given)


def _family_letters(family: str, *, shorten_saint: bool = True) -> str:
    folded = _fold(family).strip()
    if shorten_saint:
        folded = _SAINT_PREFIX.sub("ST", folded)
    letters = _NOT_LETTER.sub("", folded)
    if not letters:
        raise ValueError(f"family name {family!r} has no letter to build a NAM from")
    return letters[:3].ljust(3, "X")


def _given_letter(given: str) -> str:
    letters = _NOT_LETTER.sub("", _fold(given))
    if not letters:
        raise ValueError(f"given name {given!r} has no letter to build a NAM from")
    return letters[0]


def _fold(text: str) -> str:
    """Upper case without accents or ligatures: what a NAM's letters are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


# --------------------------------------------------------------------------- building


def build_nam(family: str, given: str, birth_date: date, sex: str, sequence: int = 1) -> str:
    """A well-formed NAM for these demographics — for synthetic data and tests only.

    ``sex`` is the FHIR administrative gender, ``female`` or ``male`` (the only two a NAM
    encodes); ``sequence`` (0–9) is the 11th character that keeps apart people whose first
    ten characters collide.  The 12th character comes from :func:`dsn_check_character`,
    **DSN's own convention for synthetic data, not RAMQ's algorithm**: real NAMs will not
    satisfy it, and nothing in DSN requires them to.
    """
    if sex not in ("female", "male"):
        raise ValueError(f"a NAM encodes sex as 'female' or 'male', not {sex!r}")
    if not 0 <= sequence <= 9:
        raise ValueError(f"the NAM sequence digit is 0–9, not {sequence}")
    month = birth_date.month + (FEMALE_MONTH_OFFSET if sex == "female" else 0)
    first11 = f"{expected_letters(family, given)}{birth_date.year % 100:02d}{month:02d}{birth_date.day:02d}{sequence}"
    return first11 + dsn_check_character(first11)


def dsn_check_character(first11: str) -> str:
    """DSN's synthetic check digit: the ICAO Doc 9303 (passport MRZ) rule.

    Digits count for their value, letters A–Z for 10–35; weights 7, 3, 1 repeat from the
    left; the check digit is the weighted sum modulo 10.  Chosen because it is public,
    simple and catches single-character typos in generated data — it says nothing about
    real NAMs.
    """
    total = 0
    for index, ch in enumerate(first11):
        value = ord(ch) - 48 if ch.isdigit() else ord(ch) - 55
        total += value * _CHECK_WEIGHTS[index % 3]
    return str(total % 10)


def dsn_synthetic_check(nam: str) -> bool:
    """A :data:`NamCheck` for NAMs made by :func:`build_nam` (synthetic data only)."""
    return len(nam) == NAM_LENGTH and dsn_check_character(nam[:11]) == nam[11]


# --------------------------------------------------------------------------- consistency


def check_consistency(
    nam: str,
    family: str | None,
    given: str | Sequence[str] | None,
    birth_date: date | str | None,
    sex: str | None,
    *,
    check: NamCheck | None = None,
) -> list[NamFinding]:
    """Compare a NAM with a person's demographics; return the disagreements (empty if none).

    Severity follows what a mismatch most likely means:

    * ``error`` — malformed NAM, or birth date or sex that contradicts the digits: those
      facts do not drift between records, so the NAM is mistyped or someone else's;
    * ``warning`` — letters that differ from the names: the NAM keeps the family name *at
      birth* and the first *registered* given name (often ``Marie``/``Joseph`` for older
      Quebecers), records may carry another, and the letter rules are inferred from
      practice; also a failed ``check`` (the check-character algorithm is not RAMQ's).

    ``given`` may be a FHIR ``given`` array (its first element counts).  ``birth_date`` may
    be a ``date`` or a FHIR date (``1985``, ``1985-03``, ``1985-03-15``); only the parts
    present are compared, and only the year modulo 100 since the NAM has no century.
    ``sex`` other than ``female``/``male`` (``other``, ``unknown``) and missing values are
    not compared.  A family name spelled ``Saint-…`` also matches a NAM with ``SAI``, an
    older rendering.
    """
    try:
        parsed = parse_nam(nam)
    except NamFormatError as exc:
        return [NamFinding("error", "format", exc.message, exc.message_fr)]
    findings: list[NamFinding] = []
    _check_family(parsed, family, findings)
    _check_given(parsed, given, findings)
    _check_birth_date(parsed, birth_date, findings)
    _check_sex(parsed, sex, findings)
    if check is not None and not check(parsed.nam):
        findings.append(
            NamFinding(
                "warning",
                "format",
                f"The NAM check character '{parsed.check}' does not verify with the configured algorithm",
                f"Le caractère de contrôle « {parsed.check} » du NAM ne se vérifie pas avec l'algorithme configuré",
            )
        )
    return findings


def _check_family(parsed: ParsedNam, family: str | None, findings: list[NamFinding]) -> None:
    if not family or not _NOT_LETTER.sub("", _fold(family)):
        return
    accepted = {_family_letters(family), _family_letters(family, shorten_saint=False)}
    if parsed.family_letters in accepted:
        return
    expected = _family_letters(family)
    findings.append(
        NamFinding(
            "warning",
            "family",
            f"NAM letters '{parsed.family_letters}' do not match family name '{family}' "
            f"(expected '{expected}'); the NAM uses the family name at birth",
            f"Les lettres « {parsed.family_letters} » du NAM ne correspondent pas au nom "
            f"de famille « {family} » (attendu « {expected} »); le NAM utilise le nom "
            "de famille à la naissance",
        )
    )


def _check_given(parsed: ParsedNam, given: str | Sequence[str] | None, findings: list[NamFinding]) -> None:
    first = given if isinstance(given, str) else (given[0] if given else None)
    if not first or not _NOT_LETTER.sub("", _fold(first)):
        return
    expected = _given_letter(first)
    if parsed.given_letter == expected:
        return
    findings.append(
        NamFinding(
            "warning",
            "given",
            f"NAM letter '{parsed.given_letter}' does not match given name '{first}' "
            f"(expected '{expected}'); the NAM uses the first registered given name",
            f"La lettre « {parsed.given_letter} » du NAM ne correspond pas au prénom "
            f"« {first} » (attendu « {expected} »); le NAM utilise le premier prénom "
            "inscrit",
        )
    )


def _check_birth_date(parsed: ParsedNam, birth_date: date | str | None, findings: list[NamFinding]) -> None:
    if birth_date is None:
        return
    parts = _date_parts(birth_date)
    if parts is None:
        findings.append(
            NamFinding(
                "error",
                "birthDate",
                f"Birth date {birth_date!r} is not a date; it cannot be compared with the NAM",
                f"La date de naissance {birth_date!r} n'est pas une date; impossible de la comparer au NAM",
            )
        )
        return
    year, month, day = parts
    if year % 100 != parsed.yy:
        findings.append(
            NamFinding(
                "error",
                "birthDate",
                f"NAM year '{parsed.yy:02d}' does not match birth year {year} "
                "(the NAM holds the last two digits of the year, either century)",
                f"L'année « {parsed.yy:02d} » du NAM ne correspond pas à l'année de "
                f"naissance {year} (le NAM contient les deux derniers chiffres de l'année, "
                "peu importe le siècle)",
            )
        )
    if month is not None and month != parsed.month:
        findings.append(
            NamFinding(
                "error",
                "birthDate",
                f"NAM month {parsed.month:02d} does not match birth month {month:02d}",
                f"Le mois {parsed.month:02d} du NAM ne correspond pas au mois de naissance {month:02d}",
            )
        )
    if day is not None and day != parsed.day:
        findings.append(
            NamFinding(
                "error",
                "birthDate",
                f"NAM day {parsed.day:02d} does not match birth day {day:02d}",
                f"Le jour {parsed.day:02d} du NAM ne correspond pas au jour de naissance {day:02d}",
            )
        )


def _date_parts(birth_date: date | str) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) of a date or FHIR partial date; None if it is not one."""
    if isinstance(birth_date, date):
        return birth_date.year, birth_date.month, birth_date.day
    match = _FHIR_DATE.fullmatch(birth_date)
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    if month is not None and not 1 <= month <= 12:
        return None
    if month is not None and day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return year, month, day


def _check_sex(parsed: ParsedNam, sex: str | None, findings: list[NamFinding]) -> None:
    if sex not in ("female", "male") or sex == parsed.sex:
        return
    encoded = "51–62" if parsed.sex == "female" else "01–12"
    findings.append(
        NamFinding(
            "error",
            "gender",
            f"The NAM month is in {encoded}, which encodes {parsed.sex}, but the record says {sex}",
            f"Le mois du NAM est entre {encoded}, ce qui désigne le sexe "
            f"{_SEX_FR[parsed.sex]}, mais le dossier indique {_SEX_FR[sex]}",
        )
    )
