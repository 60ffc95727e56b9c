"""Synthetic people: deterministic, consistent NAMs, plausible Quebec demographics."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

import pytest

from dsn.fhir.validation import validate_resource
from dsn.mpi.nam import check_consistency, dsn_synthetic_check, parse_nam
from dsn.synthetic.bundles import iter_people
from dsn.synthetic.facilities import authority, regional_authorities, sites
from dsn.synthetic.people import (
    REFERENCE_DATE,
    IdentityRegistry,
    Person,
    generate_person,
    patient_resource,
)

POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d")
FICTIONAL_PHONE = re.compile(r"\+1 \d{3} 555-01\d{2}")


@pytest.fixture(scope="module")
def province() -> list[Person]:
    """2,000 people spread over all 22 territories."""
    return [person for person, _ in iter_people(7, 2000, regions=regional_authorities())]


def test_the_same_seed_gives_the_same_people() -> None:
    first = [person for person, _ in iter_people("same", 50)]
    again = [person for person, _ in iter_people("same", 50)]
    assert first == again


def test_different_seeds_give_different_people() -> None:
    first = {person.nam for person, _ in iter_people(1, 50)}
    other = {person.nam for person, _ in iter_people(2, 50)}
    assert first != other


def test_every_nam_agrees_with_its_person(province: list[Person]) -> None:
    for person in province:
        findings = check_consistency(
            person.nam, person.family, person.given, person.birth_date, person.sex,
            check=dsn_synthetic_check,
        )  # fmt: skip
        assert findings == [], (person.nam, person.family, person.given, findings)


def test_nams_and_ids_are_unique_within_a_population(province: list[Person]) -> None:
    assert len({person.nam for person in province}) == len(province)
    assert len({person.id for person in province}) == len(province)


def test_registry_hands_out_sequence_digits_1_to_9_then_0_then_none() -> None:
    registry = IdentityRegistry()
    issued = [registry.assign_nam("Roy", "Léa", date(1990, 1, 1), "female") for _ in range(11)]
    assert [nam[10] if nam else None for nam in issued] == [*"1234567890", None]


def test_a_full_set_of_sequence_digits_moves_the_birthday() -> None:
    registry = IdentityRegistry()
    people = [generate_person(random.Random(0), region=authority("cisss-laval"), registry=registry) for _ in range(12)]
    assert len({p.nam for p in people}) == 12
    assert len({p.birth_date for p in people}) == 2
    for person in people:
        assert parse_nam(person.nam).day == person.birth_date.day


def test_mrns_are_unique_per_facility(province: list[Person]) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for person in province:
        assert set(person.mrns) == {f.id for f in person.facilities}
        seen.update(person.mrns.items())
    assert max(seen.values()) == 1


def test_ages_spread_from_newborns_to_centenarians(province: list[Person]) -> None:
    ages = [person.age_on(REFERENCE_DATE) for person in province]
    assert min(ages) <= 2 and max(ages) >= 90
    assert 35 <= sum(ages) / len(ages) <= 48


def test_both_sexes_and_both_languages_occur(province: list[Person]) -> None:
    assert {p.sex for p in province} == {"female", "male"}
    languages = Counter(p.language for p in province)
    assert languages["fr"] > languages["en"] > 0


def test_addresses_and_phones_look_quebecois_and_fictional(province: list[Person]) -> None:
    for person in province:
        assert POSTAL_CODE.fullmatch(person.address.postal_code), person.address
        assert FICTIONAL_PHONE.fullmatch(person.phone), person.phone


@pytest.mark.parametrize(
    ("region_id", "letters"),
    [
        ("ciusss-nord-de-l-ile-de-montreal", "H"),
        ("cisss-laval", "H"),
        ("ciusss-capitale-nationale", "G"),
        ("ciusss-mauricie-et-du-centre-du-quebec", "GJ"),
        ("cisss-outaouais", "J"),
    ],
)
def test_postal_codes_start_with_the_regions_letter(region_id: str, letters: str) -> None:
    region = authority(region_id)
    registry = IdentityRegistry()
    rng = random.Random(region_id)
    for _ in range(100):
        person = generate_person(rng, region=region, registry=registry)
        assert person.address.postal_code[0] in letters


def test_people_have_a_chart_at_a_hospital_of_their_territory(province: list[Person]) -> None:
    for person in province:
        home = person.facilities[0]
        assert home in sites(person.region) and home.kind != "CLSC"


def test_some_people_also_have_a_chart_in_another_territory(province: list[Person]) -> None:
    elsewhere = [p for p in province if p.facilities[-1].authority_id != p.region.id]
    assert 0.02 < len(elsewhere) / len(province) < 0.15


def test_a_site_is_not_a_region() -> None:
    site = sites(authority("ciusss-nord-de-l-ile-de-montreal"))[0]
    with pytest.raises(ValueError, match="CISSS/CIUSSS"):
        generate_person(random.Random(1), region=site)


def test_patient_resources_are_valid_and_carry_nam_and_mrns(province: list[Person]) -> None:
    for person in province[:300]:
        patient = patient_resource(person)
        assert validate_resource(patient) == []
        systems = {identifier["system"] for identifier in patient["identifier"]}
        assert "https://dsn.quebec/fhir/NamingSystem/nam" in systems
        assert len(systems) == 1 + len(person.facilities)
        assert patient["meta"]["tag"][0]["code"] == "HTEST"


def test_usual_names_are_kept_beside_the_registered_ones(province: list[Person]) -> None:
    baptismal = [p for p in province if p.usual_given]
    assert baptismal, "expected some Marie/Joseph first given names among older people"
    patient = patient_resource(baptismal[0])
    assert [name["use"] for name in patient["name"]] == ["official", "usual"]
    assert patient["name"][0]["given"][0] in ("Marie", "Joseph")
