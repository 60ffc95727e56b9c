"""Matching features: French-aware names, particles, Saint, hyphens, nicknames, contact data."""

from __future__ import annotations

import pytest

from dsn.mpi.features import PatientFeatures, compact, extract, name_form
from dsn.mpi.nam import NAM_SYSTEM
from dsn.mpi.nicknames import canonical_names, short_forms_of
from dsn.mpi.phonetic import phonetic_key


def patient(**fields: object) -> dict:
    return {"resourceType": "Patient", **fields}


@pytest.mark.parametrize(
    ("written", "text", "compact_form", "core", "parts"),
    [
        ("Bélanger", "belanger", "belanger", "belanger", ("belanger",)),
        ("CÔTÉ", "cote", "cote", "cote", ("cote",)),
        ("Lévesque-Tremblay", "levesque tremblay", "levesquetremblay", "levesquetremblay", ("levesque", "tremblay")),
        ("De la Fontaine", "de la fontaine", "delafontaine", "fontaine", ("fontaine",)),
        ("D'Amours", "d amours", "damours", "amours", ("amours",)),
        ("L'Écuyer", "l ecuyer", "lecuyer", "ecuyer", ("ecuyer",)),
        ("St-Pierre", "st pierre", "stpierre", "stpierre", ("stpierre",)),
        ("Saint Pierre", "saint pierre", "stpierre", "stpierre", ("stpierre",)),
        ("Sainte-Marie", "sainte marie", "stmarie", "stmarie", ("stmarie",)),
        ("Di Lorenzo", "di lorenzo", "dilorenzo", "lorenzo", ("lorenzo",)),
        ("Œuvrard", "oeuvrard", "oeuvrard", "oeuvrard", ("oeuvrard",)),
    ],
)
def test_family_names_fold_accents_split_parts_and_drop_particles_from_the_core(
    written: str, text: str, compact_form: str, core: str, parts: tuple[str, ...]
) -> None:
    form = name_form(written)
    assert form is not None
    assert (form.text, form.compact, form.core, form.parts) == (text, compact_form, core, parts)


def test_given_names_keep_what_would_be_a_particle_and_split_compounds() -> None:
    marie_eve = name_form("Marie-Ève", family=False)
    assert marie_eve is not None
    assert (marie_eve.compact, marie_eve.parts, marie_eve.initials) == ("marieeve", ("marie", "eve"), "me")
    assert name_form("Del", family=False).core == "del"  # type: ignore[union-attr]
    assert name_form("-- ' .") is None


def test_saint_spellings_and_hyphens_give_one_phonetic_key() -> None:
    keys = {name_form(n).key for n in ("St-Pierre", "Saint-Pierre", "ST PIERRE", "Saint Pierre")}  # type: ignore[union-attr]
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Perreault", "Perrault"),
        ("Perreault", "Perreau"),
        ("Thibault", "Thibeault"),
        ("Ouellet", "Ouellette"),
        ("Gauthier", "Gautier"),
        ("Catherine", "Katherine"),
        ("Philippe", "Filippe"),
        ("MacDonald", "McDonald"),
        ("Nathalie", "Natalie"),
        ("Côté", "Cote"),
    ],
)
def test_spelling_variants_of_quebec_names_sound_alike(a: str, b: str) -> None:
    assert phonetic_key(compact(a)) == phonetic_key(compact(b))


def test_distinct_common_names_mostly_sound_different() -> None:
    assert phonetic_key("tremblay") != phonetic_key("gagnon")
    assert phonetic_key("bouchard") != phonetic_key("tremblay")


def test_nicknames_map_short_forms_to_full_names_both_ways() -> None:
    assert "robert" in canonical_names("bob")
    assert "stephanie" in canonical_names("steph") and "stephane" in canonical_names("steph")
    assert canonical_names("robert") == frozenset({"robert"})
    assert "bob" in short_forms_of("robert")
    assert "jf" in short_forms_of("jeanfrancois")


def test_extract_reads_every_name_use_official_first_and_skips_anonymous() -> None:
    features = extract(
        patient(
            name=[
                {"use": "maiden", "family": "Tremblay", "given": ["Marie", "Thérèse"]},
                {"use": "official", "family": "Gagnon", "given": ["Thérèse"]},
                {"use": "anonymous", "family": "X"},
            ]
        )
    )
    assert [form.text for form in features.family] == ["gagnon", "tremblay"]
    assert [form.text for form in features.given] == ["therese", "marie"]


def test_extract_reads_nam_birth_date_sex_postal_codes_and_phones() -> None:
    features = extract(
        patient(
            id="p1",
            identifier=[
                {"system": "https://dsn.quebec/fhir/NamingSystem/mrn/x", "value": "123"},
                {"system": NAM_SYSTEM, "value": "trem 8503 1512"},
            ],
            birthDate="1985-03-15",
            gender="female",
            address=[{"postalCode": "h2x 1y4"}, {"postalCode": "H2X1Y4"}, {"postalCode": "G1R-2B5"}],
            telecom=[
                {"system": "phone", "value": "+1 (514) 555-0123"},
                {"system": "email", "value": "a@b.c"},
                {"system": "phone", "value": "514-555-0123"},
            ],
        )
    )
    assert features.patient_id == "p1"
    assert features.nam == "TREM85031512"
    assert (features.birth_date, features.birth_digits, features.birth_year) == ("1985-03-15", "19850315", "1985")
    assert features.sex == "female"
    assert features.postal_codes == ("H2X1Y4", "G1R2B5")
    assert features.phones == ("5145550123",)


def test_extract_tolerates_partial_and_malformed_input() -> None:
    features = extract(patient(name=[{"text": "Jean Roy"}], birthDate="1985", gender="unknown", telecom="nope"))
    assert [f.text for f in features.family] == ["roy"] and [f.text for f in features.given] == ["jean"]
    assert features.birth_date == "1985" and features.birth_digits is None
    assert features.sex is None and features.phones == () and features.nam is None
    assert extract(patient(birthDate="15/03/1985", name="oops")).birth_date is None


def test_features_survive_the_json_the_index_stores() -> None:
    features = extract(
        patient(
            name=[{"family": "St-Pierre", "given": ["Marie-Ève"]}],
            birthDate="1990-01-02",
            gender="female",
            identifier=[{"system": NAM_SYSTEM, "value": "STPM90510211"}],
        )
    )
    again = PatientFeatures.from_json("p9", features.to_json())
    assert again.family == features.family and again.given == features.given
    assert (again.nam, again.birth_date, again.sex, again.patient_id) == (features.nam, "1990-01-02", "female", "p9")
