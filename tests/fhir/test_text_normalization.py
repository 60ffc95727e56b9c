"""String search is case- and accent-insensitive: the normalized form makes it a prefix match."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsn.fhir.text_normalization import normalize_string


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bélanger", "belanger"),
        ("Côté", "cote"),
        ("GAGNÉ", "gagne"),
        ("Héloïse Lefèvre-Çelik", "heloise lefevre-celik"),
    ],
)
def test_accents_and_case_are_removed(text: str, expected: str) -> None:
    assert normalize_string(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Œuvre", "oeuvre"), ("cœur", "coeur"), ("Æsir", "aesir"), ("Straße", "strasse")],
)
def test_ligatures_expand_to_the_letters_typed_without_them(text: str, expected: str) -> None:
    assert normalize_string(text) == expected


def test_whitespace_runs_collapse_to_single_spaces() -> None:
    assert normalize_string("  Jean \t  Paul\n") == "jean paul"


def test_compatibility_characters_are_decomposed() -> None:
    assert normalize_string("ﬁne Ｔｅｓｔ") == "fine test"


@given(st.text())
def test_normalizing_twice_changes_nothing(text: str) -> None:
    once = normalize_string(text)
    assert normalize_string(once) == once


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_fast_path_agrees_with_the_general_rules(text: str) -> None:
    assert normalize_string(text) == " ".join(text.casefold().split())
