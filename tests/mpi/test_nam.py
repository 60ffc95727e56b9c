"""The NAM (RAMQ health insurance number): format, letter rules, building, consistency.

Every NAM here is constructed for the test from invented demographics; none is a real
person's.
"""

from __future__ import annotations

from datetime import date

import pytest

from dsn.mpi.nam import (
    NamFormatError,
    build_nam,
    check_consistency,
    dsn_check_character,
    dsn_synthetic_check,
    expected_letters,
    normalize_nam,
    parse_nam,
)

# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    "typed",
    ["TREJ 8503 1512", "trej85031512", "trej-8503-1512", "TREJ–8503–1512", " TREJ\t850315 12 ", "tréj85031512"],
)
def test_normalize_removes_spaces_hyphens_case_and_accents(typed: str) -> None:
    assert normalize_nam(typed) == "TREJ85031512"


def test_normalize_folds_full_width_characters_typed_from_an_ime() -> None:
    assert normalize_nam("ＴＲＥＪ８５０３１５１２") == "TREJ85031512"


# --------------------------------------------------------------------------- parse


def test_parse_decodes_a_mans_nam() -> None:
    parsed = parse_nam("TREJ 8503 1512")
    assert parsed.nam == "TREJ85031512"
    assert (parsed.family_letters, parsed.given_letter, parsed.letters) == ("TRE", "J", "TREJ")
    assert (parsed.yy, parsed.month, parsed.day) == (85, 3, 15)
    assert parsed.sex == "male"
    assert (parsed.sequence, parsed.check) == ("1", "2")


def test_parse_reads_month_plus_50_as_a_woman_born_that_month() -> None:
    parsed = parse_nam("GAGM90570413")
    assert (parsed.month, parsed.sex) == (7, "female")


@pytest.mark.parametrize("month", ["01", "12", "51", "62"])
def test_parse_accepts_the_bounds_of_both_month_ranges(month: str) -> None:
    assert parse_nam(f"ROYL80{month}0110").day == 1


@pytest.mark.parametrize(
    ("nam", "fragment"),
    [
        ("ROYL80130110", "month 13"),
        ("ROYL80630110", "month 63"),
        ("ROYL80000110", "month 00"),
        ("ROYL80500110", "month 50"),
        ("ROYL80033210", "day 32"),
        ("ROYL80030010", "day 00"),
        ("ROYL80023010", "day 30"),
        ("ROYL80523010", "day 30"),
        ("ROYL80043110", "day 31"),
        ("ROYL01022910", "day 29"),
    ],
)
def test_parse_rejects_impossible_dates(nam: str, fragment: str) -> None:
    with pytest.raises(NamFormatError, match=fragment) as caught:
        parse_nam(nam)
    assert caught.value.message_fr


@pytest.mark.parametrize("yy", ["00", "04", "96"])
def test_parse_accepts_february_29_when_either_century_is_a_leap_year(yy: str) -> None:
    assert parse_nam(f"ROYL{yy}022910").day == 29


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ROYL8003011", "12 characters"),
        ("ROYL800301101", "12 characters"),
        ("", "12 characters"),
        ("R0YL80030110", "letters"),
        ("ROY.80030110", "letters"),
        ("ROYLL0030110", "digits"),
        ("ROYL8003011X", "digits"),
        ("ROYL٨0030110", "digits"),
    ],
)
def test_parse_rejects_wrong_length_and_characters(text: str, fragment: str) -> None:
    with pytest.raises(NamFormatError, match=fragment):
        parse_nam(text)


def test_format_errors_are_value_errors_with_a_french_message() -> None:
    with pytest.raises(ValueError) as caught:
        parse_nam("ABC")
    assert isinstance(caught.value, NamFormatError)
    assert "caractères" in caught.value.message_fr


def test_birth_date_candidates_cover_both_centuries() -> None:
    parsed = parse_nam("CARP20061410")
    assert parsed.birth_date_candidates() == (date(1920, 6, 14), date(2020, 6, 14))
    assert parsed.birth_date_candidates(on_or_before=date(2019, 1, 1)) == (date(1920, 6, 14),)


def test_february_29_in_year_00_only_fits_2000() -> None:
    assert parse_nam("CARP00022910").birth_date_candidates() == (date(2000, 2, 29),)


# --------------------------------------------------------------------------- letters


@pytest.mark.parametrize(
    ("family", "letters"),
    [
        ("Tremblay", "TRE"),
        ("Bélanger", "BEL"),
        ("Côté", "COT"),
        ("Émond", "EMO"),
        ("Œuvrard", "OEU"),
        ("St-Pierre", "STP"),
        ("St. Laurent", "STL"),
        ("Saint-Onge", "STO"),
        ("Saint Amand", "STA"),
        ("Sainte-Marie", "STM"),
        ("Ste-Croix", "STC"),
        ("SAINTE MARIE", "STM"),
        ("Stevens", "STE"),
        ("Saintonge", "SAI"),
        ("Ng", "NGX"),
        ("Ho", "HOX"),
        ("Li", "LIX"),
        ("O", "OXX"),
        ("D'Amours", "DAM"),
        ("D’Anjou", "DAN"),
        ("O'Brien", "OBR"),
        ("De la Fontaine", "DEL"),
        ("Des Rosiers", "DES"),
        ("Lévesque-Tremblay", "LEV"),
        ("McDonald", "MCD"),
        ("  gagnon  ", "GAG"),
    ],
)
def test_family_letters_follow_the_documented_rules(family: str, letters: str) -> None:
    assert expected_letters(family, "Alice")[:3] == letters


@pytest.mark.parametrize(
    ("given", "letter"),
    [("Marie-Ève", "M"), ("Émile", "E"), ("élodie", "E"), ("Jean François", "J"), ("Ìan", "I")],
)
def test_given_letter_is_the_first_letter_of_the_first_given_name(given: str, letter: str) -> None:
    assert expected_letters("Roy", given) == "ROY" + letter


@pytest.mark.parametrize(("family", "given"), [("", "Léa"), ("'-", "Léa"), ("Roy", " ")])
def test_names_without_letters_cannot_give_nam_letters(family: str, given: str) -> None:
    with pytest.raises(ValueError, match="no letter"):
        expected_letters(family, given)


# --------------------------------------------------------------------------- build


def test_build_encodes_a_man() -> None:
    nam = build_nam("Tremblay", "Jean", date(1985, 3, 15), "male")
    assert nam[:11] == "TREJ8503151"
    assert nam[11] == dsn_check_character(nam[:11])


def test_build_adds_50_to_a_womans_birth_month() -> None:
    nam = build_nam("Sainte-Marie", "Marie-Ève", date(2003, 11, 2), "female", sequence=4)
    assert nam[:11] == "STMM0361024"
    assert parse_nam(nam).sex == "female"


def test_build_produces_a_nam_that_parses_back_to_its_inputs() -> None:
    nam = build_nam("D'Amours", "Émile", date(1924, 2, 29), "male", sequence=0)
    parsed = parse_nam(nam)
    assert (parsed.letters, parsed.yy, parsed.month, parsed.day) == ("DAME", 24, 2, 29)
    assert parsed.sequence == "0"


def test_build_rejects_sex_a_nam_cannot_encode_and_bad_sequences() -> None:
    with pytest.raises(ValueError, match="'female' or 'male'"):
        build_nam("Roy", "Alex", date(1990, 1, 1), "other")
    with pytest.raises(ValueError, match="0–9"):
        build_nam("Roy", "Alex", date(1990, 1, 1), "male", sequence=10)


def test_dsn_check_character_follows_the_icao_7_3_1_rule() -> None:
    # T=29 R=27 E=14 J=19, then the digits; weights 7,3,1 repeating:
    # 203 + 81 + 14 + 133 + 24 + 5 + 0 + 9 + 1 + 35 + 3 = 508.
    assert dsn_check_character("TREJ8503151") == "8"


def test_dsn_synthetic_check_catches_a_single_changed_digit() -> None:
    nam = build_nam("Gagnon", "Léa", date(1990, 7, 4), "female")
    assert dsn_synthetic_check(nam)
    typo = nam[:8] + str((int(nam[8]) + 1) % 10) + nam[9:]
    assert not dsn_synthetic_check(typo)


# --------------------------------------------------------------------------- consistency


def test_matching_demographics_give_no_finding() -> None:
    nam = build_nam("Côté", "Noémie", date(1978, 12, 31), "female")
    assert check_consistency(nam, "Côté", ["Noémie", "Julie"], date(1978, 12, 31), "female") == []


def test_a_wrong_family_name_is_a_warning_naming_the_expected_letters() -> None:
    nam = build_nam("Gagnon", "Luc", date(1960, 5, 5), "male")
    [finding] = check_consistency(nam, "Tremblay", "Luc", date(1960, 5, 5), "male")
    assert (finding.severity, finding.field) == ("warning", "family")
    assert "TRE" in finding.message and "TRE" in finding.message_fr


def test_a_wrong_given_name_is_a_warning() -> None:
    nam = build_nam("Roy", "Joseph", date(1941, 8, 9), "male")
    [finding] = check_consistency(nam, "Roy", "Roger", date(1941, 8, 9), "male")
    assert (finding.severity, finding.field) == ("warning", "given")


def test_an_older_saint_rendering_is_accepted() -> None:
    nam = "SAIP" + build_nam("Saint-Pierre", "Paul", date(1950, 1, 2), "male")[4:]
    assert check_consistency(nam, "Saint-Pierre", "Paul", date(1950, 1, 2), "male") == []


@pytest.mark.parametrize("born", [date(1920, 6, 14), date(2020, 6, 14)])
def test_the_two_digit_year_matches_either_century(born: date) -> None:
    nam = build_nam("Caron", "Pierre", date(1920, 6, 14), "male")
    assert check_consistency(nam, "Caron", "Pierre", born, "male") == []


@pytest.mark.parametrize(
    ("born", "fragments"),
    [
        (date(1921, 6, 14), ["year"]),
        (date(1920, 7, 14), ["month"]),
        (date(1920, 6, 15), ["day"]),
        (date(1985, 1, 1), ["year", "month", "day"]),
    ],
)
def test_birth_date_mismatches_are_errors(born: date, fragments: list[str]) -> None:
    nam = build_nam("Caron", "Pierre", date(1920, 6, 14), "male")
    findings = check_consistency(nam, "Caron", "Pierre", born, "male")
    assert [f.field for f in findings] == ["birthDate"] * len(fragments)
    assert all(f.severity == "error" for f in findings)
    for finding, fragment in zip(findings, fragments, strict=True):
        assert fragment in finding.message.lower()


@pytest.mark.parametrize("born", ["1985", "2085", "1985-03", "1985-03-15"])
def test_partial_fhir_birth_dates_compare_only_their_parts(born: str) -> None:
    nam = build_nam("Roy", "Zoé", date(1985, 3, 15), "female")
    assert check_consistency(nam, "Roy", "Zoé", born, "female") == []


@pytest.mark.parametrize("born", ["1985-04", "1986"])
def test_partial_fhir_birth_dates_still_catch_mismatches(born: str) -> None:
    nam = build_nam("Roy", "Zoé", date(1985, 3, 15), "female")
    [finding] = check_consistency(nam, "Roy", "Zoé", born, "female")
    assert (finding.severity, finding.field) == ("error", "birthDate")


@pytest.mark.parametrize("born", ["15/03/1985", "1985-13", "1985-02-30", "1985-03-15\n"])
def test_an_unreadable_birth_date_is_reported(born: str) -> None:
    nam = build_nam("Roy", "Zoé", date(1985, 3, 15), "female")
    [finding] = check_consistency(nam, "Roy", "Zoé", born, "female")
    assert (finding.severity, finding.field) == ("error", "birthDate")


def test_sex_contradicting_the_month_offset_is_an_error_in_both_languages() -> None:
    nam = build_nam("Ouellet", "Camille", date(1999, 9, 9), "female")
    [finding] = check_consistency(nam, "Ouellet", "Camille", date(1999, 9, 9), "male")
    assert (finding.severity, finding.field) == ("error", "gender")
    assert "51–62" in finding.message and "féminin" in finding.message_fr


@pytest.mark.parametrize("sex", ["other", "unknown", None])
def test_sex_a_nam_cannot_encode_is_not_compared(sex: str | None) -> None:
    nam = build_nam("Ouellet", "Camille", date(1999, 9, 9), "male")
    assert check_consistency(nam, "Ouellet", "Camille", date(1999, 9, 9), sex) == []


def test_missing_demographics_are_not_compared() -> None:
    assert check_consistency("ROYL80030110", None, None, None, None) == []
    assert check_consistency("ROYL80030110", "", [], None, None) == []


def test_a_malformed_nam_gives_one_format_error() -> None:
    [finding] = check_consistency("ROYL80130110", "Roy", "Léa", date(1980, 3, 1), "male")
    assert (finding.severity, finding.field) == ("error", "format")
    assert "13" in finding.message and "13" in finding.message_fr


def test_a_failing_check_character_hook_is_only_a_warning() -> None:
    nam = build_nam("Roy", "Léa", date(1980, 3, 1), "female")
    wrong_check = nam[:11] + str((int(nam[11]) + 1) % 10)
    [finding] = check_consistency(wrong_check, "Roy", "Léa", date(1980, 3, 1), "female", check=dsn_synthetic_check)
    assert (finding.severity, finding.field) == ("warning", "format")
    assert check_consistency(nam, "Roy", "Léa", date(1980, 3, 1), "female", check=dsn_synthetic_check) == []


def test_without_a_hook_the_check_character_is_not_enforced() -> None:
    assert check_consistency("ROYL80530119", "Roy", "Léa", date(1980, 3, 1), "female") == []
