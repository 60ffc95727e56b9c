"""Realistic second records of a person: the errors that make one person two patients.

For the benchmark and the tests of the matcher: given a person's FHIR Patient, make the
record another facility could have registered for them — names mistyped or written
without accents, hyphens and ``Saint`` spelled differently, a married name instead of
the birth name, given and family names swapped, a nickname, only the usual given name,
day and month swapped or digits transposed in the birth date, the NAM missing or
mistyped, a new address and phone after a move.  Deterministic for a seeded
``random.Random``; the input is never modified.

:func:`corrupt` returns the record and the names of the corruptions applied, so results
can be broken down by kind of error.
"""

from __future__ import annotations

import copy
import random
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Final

from dsn.mpi.features import compact
from dsn.mpi.nicknames import short_forms_of
from dsn.synthetic.names import ENGLISH_FAMILY, FRENCH_FAMILY

__all__ = ["CORRUPTIONS", "corrupt"]

Patient = dict[str, Any]
Corruption = Callable[[Patient, random.Random, Patient | None], bool]

_KEYBOARD_NEIGHBOURS: Final = {
    "a": "qsz", "b": "vgn", "c": "xdv", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht", "h": "gjy",
    "i": "uok", "j": "hku", "k": "jli", "l": "kop", "m": "nk", "n": "bmj", "o": "ipl", "p": "ol",
    "q": "wa", "r": "eft", "s": "adw", "t": "rgy", "u": "yij", "v": "cbf", "w": "qes", "x": "zcs",
    "y": "tuh", "z": "xas",
}  # fmt: skip
_SAINT_SPELLINGS: Final = (("St-", "Saint-"), ("Ste-", "Sainte-"), ("Saint-", "St-"), ("Sainte-", "Ste-"))


# --------------------------------------------------------------------------- helpers


def _official(patient: Patient) -> dict[str, Any]:
    names = patient.setdefault("name", [{}])
    return next((n for n in names if n.get("use") == "official"), names[0])


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a neighbouring key, a dropped, doubled or swapped letter."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(positions) < 3:
        return text
    # Typists rarely get the first letter wrong.
    index = rng.choice(positions[1:]) if rng.random() < 0.9 else positions[0]
    ch = text[index]
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    if kind == "substitute":
        replacement = rng.choice(_KEYBOARD_NEIGHBOURS.get(ch.lower(), "aeiou"))
        replacement = replacement.upper() if ch.isupper() else replacement
        return text[:index] + replacement + text[index + 1 :]
    if kind == "delete":
        return text[:index] + text[index + 1 :]
    if kind == "insert":
        return text[:index] + ch + text[index:]
    if index + 1 < len(text) and text[index + 1].isalpha():
        return text[:index] + text[index + 1] + ch + text[index + 2 :]
    return text[: index - 1] + ch + text[index - 1] + text[index + 1 :]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _map_names(patient: Patient, change: Callable[[str], str]) -> None:
    for name in patient.get("name", []):
        if isinstance(name.get("family"), str):
            name["family"] = change(name["family"])
        if isinstance(name.get("given"), list):
            name["given"] = [change(g) for g in name["given"]]


def _age(patient: Patient) -> int | None:
    birth = patient.get("birthDate")
    if not isinstance(birth, str) or len(birth) < 4:
        return None
    return 2025 - int(birth[:4])


# --------------------------------------------------------------------------- corruptions


def typo_family(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    name = _official(patient)
    family = name.get("family")
    if not isinstance(family, str):
        return False
    name["family"] = _typo(rng, family)
    return name["family"] != family


def typo_given(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    name = _official(patient)
    given = name.get("given") or []
    if not given:
        return False
    index = len(given) - 1 if len(given) > 1 and given[0] in ("Marie", "Joseph") else 0
    changed = _typo(rng, given[index])
    name["given"] = [*given[:index], changed, *given[index + 1 :]]
    _drop_usual(patient)
    return changed != given[index]


def drop_accents(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    """Names typed on a keyboard without accents, sometimes all in capitals."""
    upper = rng.random() < 0.3
    _map_names(patient, lambda text: _strip_accents(text).upper() if upper else _strip_accents(text))
    return True


def respell(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    """Hyphens as spaces, ``St-`` as ``Saint-``, apostrophes dropped: same name, other spelling."""
    changed = False

    def change(text: str) -> str:
        nonlocal changed
        for short, long in _SAINT_SPELLINGS:
            if text.startswith(short):
                changed = True
                return long + text[len(short) :]
        if "-" in text or "'" in text:
            changed = True
            return text.replace("-", " ").replace("'", "" if rng.random() < 0.5 else " ")
        return text

    _map_names(patient, change)
    return changed


def married_name(patient: Patient, rng: random.Random, donor: Patient | None) -> bool:
    """A woman registered under her spouse's family name, the birth name kept half the time."""
    age = _age(patient)
    if patient.get("gender") != "female" or age is None or age < 20:
        return False
    name = _official(patient)
    maiden = name.get("family")
    spouse = _official(donor).get("family") if donor else None
    if not spouse or spouse == maiden:
        spouse = rng.choice(FRENCH_FAMILY if rng.random() < 0.85 else ENGLISH_FAMILY)
    if spouse == maiden:
        return False
    for entry in patient.get("name", []):
        entry["family"] = spouse
    if rng.random() < 0.5 and maiden:
        patient["name"].append({"use": "maiden", "family": maiden, "given": list(name.get("given") or [])})
    return True


def drop_compound(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    """Only one half of a hyphenated family name (``Lévesque-Tremblay`` → ``Tremblay``)."""
    name = _official(patient)
    family = name.get("family")
    if not isinstance(family, str) or "-" not in family or family.lower().startswith(("st-", "ste-", "saint")):
        return False
    parts = family.split("-")
    kept = rng.choice(parts)
    for entry in patient.get("name", []):
        entry["family"] = kept
    return True


def swap_names(patient: Patient, _rng: random.Random, _donor: Patient | None) -> bool:
    """Given and family names typed in each other's boxes."""
    name = _official(patient)
    family, given = name.get("family"), name.get("given") or []
    if not isinstance(family, str) or not given:
        return False
    first = given[-1] if len(given) > 1 and given[0] in ("Marie", "Joseph") else given[0]
    patient["name"] = [{"use": "official", "family": first, "given": [family]}]
    return True


def nickname(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    name = _official(patient)
    given = name.get("given") or []
    for index, text in enumerate(given):
        shorts = short_forms_of(compact(text))
        if shorts:
            short = rng.choice(shorts)
            name["given"] = [*given[:index], short.upper() if len(short) <= 2 else short.capitalize()]
            _drop_usual(patient)
            return True
    return False


def usual_given(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    """Only one of several given names: the used one (``Marie Thérèse`` → ``Thérèse``)."""
    name = _official(patient)
    given = name.get("given") or []
    if len(given) < 2:
        return False
    name["given"] = [given[-1]] if rng.random() < 0.7 else [given[0]]
    _drop_usual(patient)
    return True


def transpose_date(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    """Day and month swapped, two adjacent digits swapped, or one digit wrong."""
    birth = patient.get("birthDate")
    if not isinstance(birth, str) or len(birth) != 10:
        return False
    year, month, day = birth[:4], birth[5:7], birth[8:10]
    for _ in range(20):
        kind = rng.choice(("day-month", "adjacent", "digit"))
        if kind == "day-month":
            candidate = f"{year}{day}{month}"
        else:
            digits = list(year + month + day)
            i = rng.randrange(len(digits) - 1)
            if kind == "adjacent":
                digits[i], digits[i + 1] = digits[i + 1], digits[i]
            else:
                digits[i] = str((int(digits[i]) + rng.choice((1, 2, 8, 9))) % 10)
            candidate = "".join(digits)
        try:
            changed = date(int(candidate[:4]), int(candidate[4:6]), int(candidate[6:])).isoformat()
        except ValueError:
            continue
        if changed != birth and 1900 <= int(changed[:4]) <= 2025:
            patient["birthDate"] = changed
            return True
    return False


def missing_nam(patient: Patient, _rng: random.Random, _donor: Patient | None) -> bool:
    """No health insurance card at registration (very common at walk-in clinics)."""
    before = len(patient.get("identifier", []))
    patient["identifier"] = [i for i in patient.get("identifier", []) if i.get("type", {}).get("text") != "NAM"]
    return len(patient["identifier"]) < before


def nam_typo(patient: Patient, rng: random.Random, _donor: Patient | None) -> bool:
    for identifier in patient.get("identifier", []):
        if identifier.get("type", {}).get("text") == "NAM":
            value = list(identifier["value"])
            i = rng.randrange(4, len(value) - 1)
            if rng.random() < 0.5:
                value[i], value[i + 1] = value[i + 1], value[i]
            else:
                value[i] = str((int(value[i]) + rng.randint(1, 9)) % 10)
            changed = "".join(value)
            if changed == identifier["value"]:
                return False
            identifier["value"] = changed
            return True
    return False


def moved(patient: Patient, _rng: random.Random, donor: Patient | None) -> bool:
    """A new address and phone (taken from another synthetic person), or none at all."""
    if donor is None:
        return missing_contact(patient, _rng, None)
    patient["address"] = copy.deepcopy(donor.get("address", []))
    patient["telecom"] = copy.deepcopy(donor.get("telecom", []))
    return True


def missing_contact(patient: Patient, _rng: random.Random, _donor: Patient | None) -> bool:
    changed = bool(patient.get("address") or patient.get("telecom"))
    patient.pop("address", None)
    patient.pop("telecom", None)
    return changed


def _drop_usual(patient: Patient) -> None:
    """A corrupted given name is the only one the second facility would have."""
    patient["name"] = [n for n in patient.get("name", []) if n.get("use") != "usual"]


CORRUPTIONS: Final[dict[str, tuple[Corruption, float]]] = {
    "typo_family": (typo_family, 10),
    "typo_given": (typo_given, 10),
    "drop_accents": (drop_accents, 10),
    "respell": (respell, 6),
    "married_name": (married_name, 8),
    "drop_compound": (drop_compound, 5),
    "swap_names": (swap_names, 5),
    "nickname": (nickname, 6),
    "usual_given": (usual_given, 5),
    "transpose_date": (transpose_date, 10),
    "missing_nam": (missing_nam, 15),
    "nam_typo": (nam_typo, 3),
    "moved": (moved, 10),
    "missing_contact": (missing_contact, 5),
}
"""Each corruption and its relative frequency among the errors of a second record."""

_ERROR_COUNTS: Final = ((1, 0.40), (2, 0.35), (3, 0.20), (4, 0.05))


def corrupt(
    patient: Patient,
    rng: random.Random,
    *,
    donor: Patient | None = None,
    kinds: Sequence[str] | None = None,
    count: int | None = None,
) -> tuple[Patient, list[str]]:
    """Another facility's record of the same person: a copy of ``patient`` with errors.

    ``kinds`` forces those corruptions (in order); otherwise ``count`` (default: 1 to 4,
    mostly 1 or 2) are drawn by frequency, each at most once.  ``donor`` is another
    person's Patient, source of a spouse's name or a new address.  Medical record
    numbers are dropped: the other facility numbers its charts itself.
    """
    record = copy.deepcopy(patient)
    record.pop("id", None)
    record.pop("meta", None)
    record["meta"] = copy.deepcopy(patient.get("meta", {}))
    record["meta"].pop("versionId", None)
    record["meta"].pop("lastUpdated", None)
    record["identifier"] = [i for i in record.get("identifier", []) if i.get("type", {}).get("text") == "NAM"]
    applied: list[str] = []
    if kinds is not None:
        for kind in kinds:
            if CORRUPTIONS[kind][0](record, rng, donor):
                applied.append(kind)
        return record, applied
    wanted = count or rng.choices([n for n, _w in _ERROR_COUNTS], [w for _n, w in _ERROR_COUNTS])[0]
    names = list(CORRUPTIONS)
    weights = [CORRUPTIONS[name][1] for name in names]
    for _ in range(wanted * 4):
        if len(applied) >= wanted:
            break
        kind = rng.choices(names, weights)[0]
        if kind in applied:
            continue
        if CORRUPTIONS[kind][0](record, rng, donor):
            applied.append(kind)
    return record, applied
