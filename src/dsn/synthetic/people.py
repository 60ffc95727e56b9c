"""Synthetic Quebecers: demographics, NAM, address, charts, and their FHIR Patient.

A :class:`Person` is drawn from a seeded ``random.Random`` and nothing else — same seed,
same person — so tests and benchmarks can regenerate any population exactly.  Everything
about it is fictional: names are combined at random, phone numbers are in the 555-01xx
range reserved for fiction, NAMs use DSN's synthetic check character (see
:func:`dsn.mpi.nam.build_nam`) and every resource carries the ``HTEST`` (test health
data) tag.

An :class:`IdentityRegistry` remembers the NAMs and medical record numbers already
issued, so one generator never gives two people the same identifier: people whose first
ten NAM characters collide get the next sequence digit, as RAMQ does.
"""

from __future__ import annotations

import csv
import io
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from dsn.mpi.nam import build_nam
from dsn.synthetic.facilities import Facility, facility_directory, sites
from dsn.synthetic.identifiers import NAM_SYSTEM, V2_0203, mrn_system
from dsn.synthetic.names import pick_heritage, pick_name

__all__ = [
    "HTEST_TAG",
    "REFERENCE_DATE",
    "Address",
    "IdentityRegistry",
    "Person",
    "generate_person",
    "patient_resource",
]

REFERENCE_DATE: Final = date(2025, 6, 30)
"""The synthetic world's "today": ages and histories are computed up to it, never up to
the real clock, so output does not change from one day to the next."""

HTEST_TAG: Final = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "code": "HTEST",
    "display": "test health data",
}

# Share of the Quebec population by age band (0-4, 5-9, ..., 95-99, 100): an aging
# pyramid, so the mix of chronic disease looks like a real registry's.
_AGE_BAND_WEIGHTS: Final = (
    5.0, 5.5, 5.5, 5.2, 5.6, 6.0, 6.4, 6.6, 6.4, 6.0, 6.4,
    7.3, 7.3, 6.4, 5.3, 3.8, 2.5, 1.5, 0.7, 0.2, 0.03,
)  # fmt: skip
_AGE_BANDS: Final = tuple(range(len(_AGE_BAND_WEIGHTS)))
_POSTAL_LETTERS: Final = "ABCEGHJKLMNPRSTVWXYZ"  # Canada Post never uses D F I O Q U
_STREETS_FR: Final = (
    "rue Principale", "rue Saint-Jean", "rue Notre-Dame", "boulevard des Érables",
    "rue de l'Église", "avenue du Parc", "chemin du Lac", "rang Saint-Joseph",
    "rue des Pins", "boulevard Saint-Laurent", "rue Sainte-Catherine", "rue du Moulin",
    "avenue des Cèdres", "rue Champlain", "boulevard Laurier", "rue des Hirondelles",
    "rue Jacques-Cartier", "rue de la Fabrique", "montée Sainte-Julie", "rue Laviolette",
)  # fmt: skip
_STREETS_EN: Final = (
    "King Street", "Main Street", "Elm Avenue", "Victoria Street", "Maple Crescent",
    "Lakeshore Road", "Church Street", "Queen Street", "Wellington Street", "Oak Drive",
)  # fmt: skip
_CITY_APARTMENT_RATE: Final = 0.45
_ELSEWHERE_CHART_RATE: Final = 0.07
_MAX_NAM_ATTEMPTS: Final = 50


@dataclass(frozen=True, slots=True)
class Address:
    """A home address in Canada Post style (postal code ``A1A 1A1``)."""

    line: str
    city: str
    district: str | None
    postal_code: str


@dataclass(frozen=True, slots=True)
class Person:
    """One synthetic Quebecer, with everything needed to write their Patient resource.

    ``id`` is a UUID: the ``urn:uuid:`` fullUrl of the Patient in a transaction Bundle.
    ``family`` is the family name at birth (Quebec law keeps it for life); ``given`` the
    registered given names; ``usual_given`` the one used day to day when it differs.
    ``region`` is the CISSS/CIUSSS of the territory they live in; ``facilities`` where
    they have a chart, with ``mrns`` the record number each one gave them.
    """

    id: str
    family: str
    given: tuple[str, ...]
    usual_given: str | None
    sex: Literal["female", "male"]
    birth_date: date
    nam: str
    region: Facility
    address: Address
    phone: str
    language: Literal["fr", "en"]
    facilities: tuple[Facility, ...]
    mrns: dict[str, str] = field(hash=False)

    @property
    def full_url(self) -> str:
        return f"urn:uuid:{self.id}"

    def age_on(self, day: date) -> int:
        """Age in completed years on ``day``."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class IdentityRegistry:
    """The NAMs and MRNs issued so far by one generator, so none is issued twice."""

    def __init__(self) -> None:
        self._nam_prefixes: dict[str, int] = {}
        self._mrn_counts: dict[str, int] = {}

    def assign_nam(self, family: str, given: str, birth_date: date, sex: str) -> str | None:
        """A NAM not issued before, or None when all ten sequence digits are taken.

        Sequence digits go 1, 2, …, 9, 0 among people whose first ten characters match.
        """
        first10 = build_nam(family, given, birth_date, sex)[:10]
        used = self._nam_prefixes.get(first10, 0)
        if used >= 10:
            return None
        self._nam_prefixes[first10] = used + 1
        return build_nam(family, given, birth_date, sex, sequence=(used + 1) % 10)

    def assign_mrn(self, facility_id: str) -> str:
        """The facility's next medical record number (8 digits, numbering per facility).

        Each facility starts at its own offset so that two facilities' numbers rarely
        coincide — and when they do, the per-facility system tells them apart.
        """
        count = self._mrn_counts.get(facility_id, 0) + 1
        self._mrn_counts[facility_id] = count
        start = 10_000_000 + zlib.crc32(facility_id.encode()) % 60_000_000
        return f"{start + count:08d}"


def generate_person(
    rng: random.Random,
    *,
    region: Facility,
    registry: IdentityRegistry | None = None,
    as_of: date = REFERENCE_DATE,
) -> Person:
    """Draw one person living in the territory of ``region`` (a CISSS/CIUSSS).

    Pass the same ``registry`` to every call of one population to keep NAMs and MRNs
    unique; without one, uniqueness holds only within the call.
    """
    if not region.is_authority:
        raise ValueError(f"region must be a CISSS/CIUSSS, not the site {region.id!r}")
    registry = registry or IdentityRegistry()
    sex: Literal["female", "male"] = "female" if rng.random() < 0.504 else "male"
    heritage = pick_heritage(rng, region.rss_code, region.id)
    birth_date = _birth_date(rng, as_of)
    name = pick_name(rng, sex=sex, birth_year=birth_date.year, heritage=heritage)
    nam = None
    for _ in range(_MAX_NAM_ATTEMPTS):
        nam = registry.assign_nam(name.family, name.given[0], birth_date, sex)
        if nam is not None:
            break
        # Ten people already share these letters and this birth date: move the birthday.
        birth_date = max(date(as_of.year - 100, 1, 1), birth_date - timedelta(days=1))
    if nam is None:
        raise RuntimeError(f"no free NAM near {name.family} {birth_date}: registry exhausted")
    if heritage == "en":
        language: Literal["fr", "en"] = "en" if rng.random() < 0.85 else "fr"
    elif heritage == "other":
        language = "fr" if rng.random() < 0.6 else "en"
    else:
        language = "fr" if rng.random() < 0.97 else "en"
    charts = _chart_facilities(rng, region)
    place = _place(rng, region)
    return Person(
        id=_uuid(rng),
        family=name.family,
        given=name.given,
        usual_given=name.usual,
        sex=sex,
        birth_date=birth_date,
        nam=nam,
        region=region,
        address=_address(rng, place, language),
        phone=_phone(rng, place),
        language=language,
        facilities=charts,
        mrns={facility.id: registry.assign_mrn(facility.id) for facility in charts},
    )


def patient_resource(person: Person) -> dict[str, Any]:
    """The FHIR R4 Patient for a person (no ``id``: it is meant to be POSTed)."""
    identifiers: list[dict[str, Any]] = [
        {
            "use": "official",
            "type": {
                "coding": [
                    {
                        "system": V2_0203,
                        "code": "JHN",
                        "display": "Jurisdictional health number (Canada)",
                    }
                ],
                "text": "NAM",
            },
            "system": NAM_SYSTEM,
            "value": person.nam,
            "assigner": {"display": "Régie de l'assurance maladie du Québec"},
        }
    ]
    for facility in person.facilities:
        identifiers.append(
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR", "display": "Medical record number"}]},
                "system": mrn_system(facility.id),
                "value": person.mrns[facility.id],
                "assigner": {"reference": facility.reference, "display": facility.name},
            }
        )
    names: list[dict[str, Any]] = [{"use": "official", "family": person.family, "given": list(person.given)}]
    if person.usual_given:
        names.append({"use": "usual", "family": person.family, "given": [person.usual_given]})
    address: dict[str, Any] = {
        "use": "home",
        "type": "physical",
        "line": [person.address.line],
        "city": person.address.city,
    }
    if person.address.district:
        address["district"] = person.address.district
    address.update({"state": "QC", "postalCode": person.address.postal_code, "country": "CA"})
    language = _LANGUAGES[person.language]
    return {
        "resourceType": "Patient",
        "meta": {"tag": [dict(HTEST_TAG)]},
        "identifier": identifiers,
        "active": True,
        "name": names,
        "telecom": [{"system": "phone", "value": person.phone, "use": "home"}],
        "gender": person.sex,
        "birthDate": person.birth_date.isoformat(),
        "address": [address],
        "communication": [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": language[0], "display": language[1]}],
                    "text": language[2],
                },
                "preferred": True,
            }
        ],
        "managingOrganization": {"reference": person.region.reference, "display": person.region.name},
    }


_LANGUAGES: Final = {
    "fr": ("fr-CA", "French (Canada)", "Français"),
    "en": ("en-CA", "English (Canada)", "English"),
}


# --------------------------------------------------------------------------- drawing


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator (uuid4() would break determinism)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT: Final = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _birth_date(rng: random.Random, as_of: date) -> date:
    band = rng.choices(_AGE_BANDS, _AGE_BAND_WEIGHTS)[0]
    age_days = (band * 5) * 365 + rng.randrange(5 * 365 if band < 20 else 365)
    return max(as_of - timedelta(days=age_days), date(as_of.year - 100, 1, 1))


def _chart_facilities(rng: random.Random, region: Facility) -> tuple[Facility, ...]:
    """A hospital of the home territory (or the authority itself where DSN names no
    sites), maybe a CLSC or a second hospital, and now and then a site elsewhere."""
    local = sites(region)
    hospitals = [f for f in local if f.kind != "CLSC"]
    charts = [rng.choice(hospitals)]
    others = [f for f in local if f is not charts[0]]
    if others:
        charts += rng.sample(others, min(len(others), rng.choice((0, 1, 1, 2))))
    if rng.random() < _ELSEWHERE_CHART_RATE:
        elsewhere = [f for f in facility_directory() if f.authority_id != region.id]
        charts.append(rng.choice(elsewhere))
    return tuple(charts)


@dataclass(frozen=True, slots=True)
class _Place:
    city: str
    district: str | None
    fsas: tuple[str, ...]
    area_codes: tuple[str, ...]
    weight: float


@cache
def _places() -> dict[str, tuple[_Place, ...]]:
    """Cities of each CISSS/CIUSSS territory (keyed by French name), from the data file."""
    text = resources.files("dsn.synthetic").joinpath("data/territories.csv").read_text(encoding="utf-8")
    places: dict[str, list[_Place]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        places.setdefault(row["authority"], []).append(
            _Place(
                city=row["city"],
                district=row["district"] or None,
                fsas=tuple(row["fsas"].split()),
                area_codes=tuple(row["area_codes"].split()),
                weight=float(row["weight"]),
            )
        )
    return {key: tuple(value) for key, value in places.items()}


def _place(rng: random.Random, region: Facility) -> _Place:
    options = _places()[region.name]
    return rng.choices(options, [p.weight for p in options])[0]


def _address(rng: random.Random, place: _Place, language: str) -> Address:
    street = rng.choice(_STREETS_EN if language == "en" and rng.random() < 0.6 else _STREETS_FR)
    line = f"{rng.randint(1, 9999)} {street}"
    if place.district and rng.random() < _CITY_APARTMENT_RATE:
        line += f", app. {rng.randint(1, 12)}{rng.choice('0123')}{rng.randint(1, 9)}"
    letters = _POSTAL_LETTERS
    postal = f"{rng.choice(place.fsas)} {rng.randrange(10)}{rng.choice(letters)}{rng.randrange(10)}"
    return Address(line=line, city=place.city, district=place.district, postal_code=postal)


def _phone(rng: random.Random, place: _Place) -> str:
    """A fictional number: 555-0100 to 555-0199 is reserved for fiction in North America."""
    area = rng.choice(place.area_codes)
    return f"+1 {area} 555-01{rng.randrange(100):02d}"
