"""What the matcher knows of a Patient: normalized names, birth date, sex, NAM, postal code, phones.

Matching never looks at the FHIR resource itself: :func:`extract` reduces it once (on
write, for the index; on ``$match``, for the query) to :class:`PatientFeatures`, whose
fields are already in the form comparisons need:

* **names** — every ``HumanName`` counts (official, usual, maiden, old, nickname), since
  a record may carry a married name beside the birth name.  Each family or given name
  becomes a :class:`NameForm`: folded (no accents, lower case), split on hyphens,
  apostrophes, dots and spaces (``Lévesque-Tremblay`` → ``levesque tremblay``,
  ``D'Amours`` → ``d amours``), ``Saint``/``Sainte``/``St``/``Ste`` before a name
  unified as ``st`` and bound to it (``Saint-Pierre`` and ``St Pierre`` are both part
  ``stpierre``), and for family names the particles (``de``, ``du``, ``des``, ``la``,
  ``le``, ``d'``, ``l'``, ``van``, ``di``…) dropped from the *core* (``De la Fontaine``
  → ``fontaine``) but kept in the *compact* form (``delafontaine``);
* **birth date** — the FHIR date as written (``1985``, ``1985-03``, ``1985-03-15``);
* **sex** — ``female``/``male`` only; ``other``/``unknown`` say nothing about a match;
* **NAM** — normalized with :func:`dsn.mpi.nam.normalize_nam`;
* **postal codes** — ``H2X 1Y4`` → ``H2X1Y4``, every address (old ones help);
* **phones** — the last ten digits of every phone number.

:meth:`PatientFeatures.to_json` / :meth:`PatientFeatures.from_json` are what the index
stores, so candidates are compared without re-reading their resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import orjson

from dsn.fhir.text_normalization import normalize_string
from dsn.mpi.nam import NAM_SYSTEM, normalize_nam
from dsn.mpi.phonetic import phonetic_key

__all__ = [
    "FEATURES_VERSION",
    "PARTICLES",
    "NameForm",
    "PatientFeatures",
    "compact",
    "extract",
    "name_form",
]

FEATURES_VERSION: Final = 1
"""Bump when extraction changes: index rows of older versions need ``dsn mpi rebuild``."""

PARTICLES: Final = frozenset(
    {"de", "du", "des", "la", "le", "les", "d", "l", "van", "von", "der", "den", "ter",
     "di", "da", "del", "della", "dos", "das", "do", "el", "al", "ben", "bin", "y"}
)  # fmt: skip
"""Family-name particles, dropped from a family name's core (never from given names)."""

_SAINTS: Final = frozenset({"saint", "sainte", "st", "ste", "sts", "stes"})
_SEPARATORS: Final = re.compile(r"[^a-z]+")
_NON_DIGITS: Final = re.compile(r"\D+")
_POSTAL_CHARS: Final = re.compile(r"[^A-Z0-9]+")
_MIN_PHONE_DIGITS: Final = 7


def compact(text: str) -> str:
    """Folded letters only: ``Marie-Ève`` → ``marieeve``, ``D'Amours`` → ``damours``."""
    return _SEPARATORS.sub("", normalize_string(text))


@dataclass(frozen=True, slots=True)
class NameForm:
    """One family or given name, in the forms comparisons use.

    ``text`` is the folded name, tokens separated by one space (what is stored);
    ``compact`` has no separators; ``core`` is ``compact`` without family-name particles;
    ``parts`` are the core's tokens (``Saint``+name bound together); ``key`` is the
    phonetic key of the core.
    """

    text: str
    compact: str
    core: str
    parts: tuple[str, ...]
    key: str

    @property
    def initials(self) -> str:
        """First letter of each part: ``jean francois`` → ``jf`` (a common short form)."""
        return "".join(part[0] for part in self.parts)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token for token in _SEPARATORS.split(normalize_string(text)) if token)


def _bind_saints(tokens: tuple[str, ...]) -> list[str]:
    """``saint pierre`` → ``stpierre``: a saint's name is one name, however it is written."""
    bound: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in _SAINTS and index + 1 < len(tokens):
            bound.append("st" + tokens[index + 1])
            index += 2
        else:
            bound.append(token)
            index += 1
    return bound


@lru_cache(maxsize=131072)
def name_form(text: str, *, family: bool = True) -> NameForm | None:
    """The :class:`NameForm` of a name as written, or None if it has no letter.

    ``family=False`` keeps particles in the core (a given name has none: ``Del`` is a
    name, not a particle).
    """
    tokens = _tokens(text)
    if not tokens:
        return None
    bound = _bind_saints(tokens)
    full = "".join(bound)
    core_parts = [t for t in bound if t not in PARTICLES] if family else bound
    if not core_parts:
        core_parts = bound
    core = "".join(core_parts)
    return NameForm(
        text=" ".join(tokens),
        compact=full,
        core=core,
        parts=tuple(core_parts),
        key=phonetic_key(core),
    )


@dataclass(frozen=True, slots=True)
class PatientFeatures:
    """A Patient reduced to what matching compares (see the module docstring)."""

    patient_id: str | None
    nam: str | None
    family: tuple[NameForm, ...]
    given: tuple[NameForm, ...]
    birth_date: str | None
    sex: str | None
    postal_codes: tuple[str, ...]
    phones: tuple[str, ...]

    @property
    def birth_digits(self) -> str | None:
        """``YYYYMMDD`` of a full birth date, else None."""
        if self.birth_date and len(self.birth_date) == 10:
            return self.birth_date.replace("-", "")
        return None

    @property
    def birth_year(self) -> str | None:
        return self.birth_date[:4] if self.birth_date else None

    def to_json(self) -> str:
        """What the index stores: names as folded text, everything else as extracted."""
        return orjson.dumps(
            {
                "v": FEATURES_VERSION,
                "nam": self.nam,
                "family": [form.text for form in self.family],
                "given": [form.text for form in self.given],
                "birth": self.birth_date,
                "sex": self.sex,
                "postal": list(self.postal_codes),
                "phone": list(self.phones),
            }
        ).decode()

    @classmethod
    def from_json(cls, patient_id: str, text: str | bytes) -> PatientFeatures:
        data = orjson.loads(text)
        return cls(
            patient_id=patient_id,
            nam=data.get("nam"),
            family=_forms(data.get("family") or (), family=True),
            given=_forms(data.get("given") or (), family=False),
            birth_date=data.get("birth"),
            sex=data.get("sex"),
            postal_codes=tuple(data.get("postal") or ()),
            phones=tuple(data.get("phone") or ()),
        )


def _forms(texts: Any, *, family: bool) -> tuple[NameForm, ...]:
    forms: list[NameForm] = []
    seen: set[str] = set()
    for text in texts:
        if not isinstance(text, str):
            continue
        form = name_form(text, family=family)
        if form is not None and form.compact not in seen:
            seen.add(form.compact)
            forms.append(form)
    return tuple(forms)


# --------------------------------------------------------------------------- extraction

# Official names first: the primary given name is the first given of the first of these.
_NAME_USE_ORDER: Final = {"official": 0, "usual": 1, None: 2, "maiden": 3, "old": 4, "nickname": 5, "temp": 6}


def extract(patient: dict[str, Any]) -> PatientFeatures:
    """Reduce a FHIR Patient (a dict) to its matching features; tolerant of partial input.

    ``$match`` callers send partial Patients (a name and a birth date, say), so nothing
    is required and malformed elements are skipped rather than rejected.
    """
    names = [n for n in _as_list(patient.get("name")) if isinstance(n, dict) and n.get("use") != "anonymous"]
    names.sort(key=lambda n: _NAME_USE_ORDER.get(n.get("use"), 2))
    family_texts: list[str] = []
    given_texts: list[str] = []
    for name in names:
        family = name.get("family")
        given = [g for g in _as_list(name.get("given")) if isinstance(g, str)]
        if isinstance(family, str):
            family_texts.append(family)
        given_texts.extend(given)
        if not isinstance(family, str) and not given and isinstance(name.get("text"), str):
            # Only a display text: "Given Family" is the usual order.
            *first, last = name["text"].split() or [""]
            family_texts.append(last)
            given_texts.extend(first)
    birth = patient.get("birthDate")
    gender = patient.get("gender")
    return PatientFeatures(
        patient_id=patient.get("id") if isinstance(patient.get("id"), str) else None,
        nam=_nam(patient),
        family=_forms(family_texts, family=True),
        given=_forms(given_texts, family=False),
        birth_date=birth if isinstance(birth, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", birth) else None,
        sex=gender if gender in ("female", "male") else None,
        postal_codes=_postal_codes(patient),
        phones=_phones(patient),
    )


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _nam(patient: dict[str, Any]) -> str | None:
    for identifier in _as_list(patient.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("system") == NAM_SYSTEM:
            value = identifier.get("value")
            if isinstance(value, str) and value.strip():
                return normalize_nam(value)
    return None


def _postal_codes(patient: dict[str, Any]) -> tuple[str, ...]:
    codes: list[str] = []
    for address in _as_list(patient.get("address")):
        if not isinstance(address, dict) or not isinstance(address.get("postalCode"), str):
            continue
        code = _POSTAL_CHARS.sub("", normalize_string(address["postalCode"]).upper())
        if len(code) >= 3 and code not in codes:
            codes.append(code)
    return tuple(codes)


def _phones(patient: dict[str, Any]) -> tuple[str, ...]:
    phones: list[str] = []
    for telecom in _as_list(patient.get("telecom")):
        if not isinstance(telecom, dict) or telecom.get("system") not in ("phone", "sms", None):
            continue
        value = telecom.get("value")
        if not isinstance(value, str):
            continue
        digits = _NON_DIGITS.sub("", value)[-10:]
        if len(digits) >= _MIN_PHONE_DIGITS and digits not in phones:
            phones.append(digits)
    return tuple(phones)
