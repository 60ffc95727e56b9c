"""Names carry Quebec's accents, hyphens, apostrophes and double family names."""

from __future__ import annotations

import random

import pytest

from dsn.synthetic.bundles import iter_people
from dsn.synthetic.facilities import regional_authorities
from dsn.synthetic.names import PersonName, pick_name
from dsn.synthetic.people import Person

ACCENTED = set("àâäçéèêëîïôöùûüÿÀÂÇÉÈÊËÎÏÔÖÙÛÜŸœŒ")


@pytest.fixture(scope="module")
def sample() -> list[Person]:
    return [person for person, _ in iter_people("names", 1000, regions=regional_authorities())]


def _full(person: Person) -> str:
    return " ".join((*person.given, person.family))


def test_accents_occur_in_family_and_given_names(sample: list[Person]) -> None:
    assert any(ACCENTED & set(p.family) for p in sample)
    assert any(ACCENTED & set(" ".join(p.given)) for p in sample)


def test_hyphens_occur_in_family_and_given_names(sample: list[Person]) -> None:
    assert any("-" in p.family for p in sample)
    assert any("-" in given for p in sample for given in p.given)


def test_apostrophes_occur(sample: list[Person]) -> None:
    assert any("'" in _full(p) for p in sample)


def test_about_five_percent_of_family_names_are_double(sample: list[Person]) -> None:
    doubles = [p for p in sample if "-" in p.family and not p.family.startswith(("St", "Sainte"))]
    assert 0.02 <= len(doubles) / len(sample) <= 0.10


def test_saint_names_and_short_names_occur(sample: list[Person]) -> None:
    assert any(p.family.startswith(("St-", "Ste-", "Saint", "Sainte")) for p in sample)
    assert any(len(p.family) <= 2 for p in sample)


def test_older_french_canadians_may_carry_marie_or_joseph_first() -> None:
    rng = random.Random(3)
    names = [pick_name(rng, sex="male", birth_year=1940, heritage="fr") for _ in range(200)]
    baptismal = [n for n in names if n.given[0] == "Joseph"]
    assert baptismal and all(n.usual == n.given[1] for n in baptismal)


def test_young_people_get_names_of_their_generation() -> None:
    rng = random.Random(4)
    names = [pick_name(rng, sex="female", birth_year=2015, heritage="fr") for _ in range(200)]
    assert not any(n.given[0] in ("Thérèse", "Huguette", "Marie") for n in names)
    assert all(isinstance(n, PersonName) and n.usual is None for n in names)
