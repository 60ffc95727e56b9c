"""Field comparisons: the agreement levels that feed Fellegi–Sunter."""

from __future__ import annotations

import random

import pytest

from dsn.mpi.compare import COMPARISONS, compare, one_typo_apart
from dsn.mpi.corruption import corrupt
from dsn.mpi.features import extract
from dsn.mpi.nam import NAM_SYSTEM


def person(
    family: str = "Tremblay",
    given: tuple[str, ...] = ("Nathalie",),
    birth: str | None = "1975-03-14",
    *,
    nam: str | None = None,
    gender: str = "female",
    extra_names: list[dict] | None = None,
    postal: str | None = None,
    phone: str | None = None,
) -> dict:
    body: dict = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": family, "given": list(given)}, *(extra_names or [])],
        "gender": gender,
    }
    if birth:
        body["birthDate"] = birth
    if nam:
        body["identifier"] = [{"system": NAM_SYSTEM, "value": nam}]
    if postal:
        body["address"] = [{"postalCode": postal}]
    if phone:
        body["telecom"] = [{"system": "phone", "value": phone}]
    return body


def levels(a: dict, b: dict) -> dict[str, str | None]:
    comparison = compare(extract(a), extract(b))
    return {name: comparison.level(name) for name, _ in COMPARISONS}


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1975-03-14", "1975-03-14", "exact"),
        ("1975-03-04", "1975-04-03", "near"),  # day and month swapped
        ("1975-03-14", "1957-03-14", "near"),  # two adjacent digits transposed
        ("1975-03-14", "1975-03-19", "near"),  # one digit wrong
        ("1975-03-14", "1975", "near"),  # equal as far as the partial date goes
        ("1975-03-14", "1976-04-14", "different"),
        ("1975-03-14", "1980-11-02", "different"),
    ],
)
def test_birth_dates_tolerate_transposed_digits_and_day_month_swaps(a: str, b: str, level: str) -> None:
    assert levels(person(birth=a), person(birth=b))["birth_date"] == level


def test_nam_typos_in_digits_are_near_but_letters_and_missing_are_not() -> None:
    base = "TREN75531412"
    assert levels(person(nam=base), person(nam=base))["nam"] == "exact"
    assert levels(person(nam=base), person(nam="TREN75531422"))["nam"] == "near"
    assert levels(person(nam=base), person(nam="TREN75351412"))["nam"] == "near"
    # A letter apart: that is what two people with the same birth date and names one
    # letter apart look like, not a typo.
    assert levels(person(nam=base), person(nam="TREM75531412"))["nam"] == "different"
    assert levels(person(nam=base), person())["nam"] is None
    assert one_typo_apart("ab12", "ab21") and not one_typo_apart("ab12", "ba21")


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("Côté", "COTE", "exact"),
        ("St-Pierre", "Saint Pierre", "exact"),
        ("D'Amours", "Damours", "exact"),
        ("De la Fontaine", "Fontaine", "fuzzy"),
        ("Lévesque-Tremblay", "Tremblay", "part"),
        ("Tremblay", "Trembaly", "fuzzy"),
        ("Perreault", "Perrault", "fuzzy"),
        ("Lévesque-Tremblay", "Lévesque-Trembaly", "fuzzy"),
        ("Lévesque-Tremblay", "Trembaly", "part"),
        ("Tremblay", "Gagnon", "different"),
    ],
)
def test_family_name_levels(a: str, b: str, level: str) -> None:
    assert levels(person(family=a), person(family=b))["family"] == level


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (("Marie-Ève",), ("Marie Eve",), "exact"),
        (("Marie", "Thérèse"), ("Thérèse",), "exact"),
        (("Robert",), ("Bob",), "variant"),
        (("Stéphanie",), ("Steph",), "variant"),
        (("Jean-François",), ("JF",), "variant"),
        (("Marie-Ève",), ("Ève",), "variant"),
        (("Marie", "Thérèse"), ("Marie", "Jeannine"), "variant"),  # only Marie in common
        (("Nathalie",), ("Natalie",), "fuzzy"),
        (("Nathalie",), ("Sylvie",), "different"),
    ],
)
def test_given_name_levels(a: tuple[str, ...], b: tuple[str, ...], level: str) -> None:
    assert levels(person(given=a), person(given=b))["given"] == level


def test_a_married_name_still_meets_the_maiden_name_recorded_beside_it() -> None:
    married = person(family="Gagnon", extra_names=[{"use": "maiden", "family": "Tremblay", "given": ["Nathalie"]}])
    assert levels(person(family="Tremblay"), married)["family"] == "exact"


def test_swapped_given_and_family_names_are_recognized() -> None:
    original = person(family="Tremblay", given=("Nathalie",))
    swapped = person(family="Nathalie", given=("Tremblay",))
    comparison = compare(extract(original), extract(swapped))
    assert comparison.swapped
    assert (comparison.level("family"), comparison.level("given")) == ("exact", "exact")
    assert not compare(extract(original), extract(original)).swapped


def test_postal_code_phone_and_sex_levels() -> None:
    a = person(postal="H2X 1Y4", phone="514-555-0101")
    assert levels(a, person(postal="h2x1y4", phone="+1 514 555 0101"))["postal"] == "exact"
    assert levels(a, person(postal="H2X 3A1"))["postal"] == "area"
    assert levels(a, person(postal="G1R 2B5", phone="418-555-0101"))["phone"] == "different"
    assert levels(a, person())["phone"] is None
    assert levels(a, person(gender="male"))["sex"] == "different"


def test_comparison_is_symmetric_on_synthetic_duplicates() -> None:
    from dsn.mpi.population import generate_population

    records = list(generate_population("symmetry", 150))
    rng = random.Random(1)
    for record in records[:100]:
        copy, _kinds = corrupt(record.resource, rng, donor=rng.choice(records).resource)
        a, b = extract(record.resource), extract(copy)
        assert compare(a, b).levels == compare(b, a).levels
