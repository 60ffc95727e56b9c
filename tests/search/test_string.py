"""String search: starts-with, case- and accent-insensitive; :exact and :contains; name and address parts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import create, found, patient


def _people(client: TestClient) -> dict[str, str]:
    return {
        "belanger": create(client, patient(name=[{"family": "Bélanger", "given": ["Marie-Ève"]}])),
        "cote": create(client, patient(name=[{"family": "Côté", "given": ["Jean", "Luc"], "prefix": ["Dr"]}])),
        "bell": create(client, patient(name=[{"family": "Bell", "text": "Alexander Graham Bell"}])),
        "nameless": create(client, patient(gender="other")),
    }


def test_string_matches_from_the_start_ignoring_case_and_accents(client: TestClient) -> None:
    p = _people(client)
    assert found(client, "Patient", {"name": "belanger"}) == {p["belanger"]}
    assert found(client, "Patient", {"name": "cote"}) == {p["cote"]}
    assert found(client, "Patient", {"name": "CÔTÉ"}) == {p["cote"]}
    assert found(client, "Patient", {"family": "bel"}) == {p["belanger"], p["bell"]}
    assert found(client, "Patient", {"family": "langer"}) == set()


def test_string_name_matches_any_part_of_a_human_name(client: TestClient) -> None:
    p = _people(client)
    assert found(client, "Patient", {"name": "marie-eve"}) == {p["belanger"]}
    assert found(client, "Patient", {"name": "luc"}) == {p["cote"]}
    assert found(client, "Patient", {"name": "dr"}) == {p["cote"]}
    assert found(client, "Patient", {"name": "alexander"}) == {p["bell"]}
    assert found(client, "Patient", {"given": "jean"}) == {p["cote"]}
    assert found(client, "Patient", {"given": "cote"}) == set()


def test_string_exact_compares_the_whole_value_with_case_and_accents(client: TestClient) -> None:
    p = _people(client)
    assert found(client, "Patient", {"family:exact": "Bélanger"}) == {p["belanger"]}
    assert found(client, "Patient", {"family:exact": "Belanger"}) == set()
    assert found(client, "Patient", {"family:exact": "bélanger"}) == set()
    assert found(client, "Patient", {"family:exact": "Bél"}) == set()


def test_string_contains_matches_anywhere_ignoring_case_and_accents(client: TestClient) -> None:
    p = _people(client)
    assert found(client, "Patient", {"family:contains": "LANG"}) == {p["belanger"]}
    assert found(client, "Patient", {"family:contains": "ot"}) == {p["cote"]}
    assert found(client, "Patient", {"name:contains": "graham"}) == {p["bell"]}


def test_string_address_matches_each_part(client: TestClient) -> None:
    montreal = create(
        client,
        patient(
            address=[
                {
                    "line": ["5400 boulevard Gouin Ouest"],
                    "city": "Montréal",
                    "state": "QC",
                    "postalCode": "H4J 1C5",
                    "country": "Canada",
                }
            ]
        ),
    )
    trois_rivieres = create(client, patient(address=[{"city": "Trois-Rivières", "postalCode": "G8Z 3R9"}]))
    assert found(client, "Patient", {"address": "montreal"}) == {montreal}
    assert found(client, "Patient", {"address": "5400 boul"}) == {montreal}
    assert found(client, "Patient", {"address": "trois-rivieres"}) == {trois_rivieres}
    assert found(client, "Patient", {"address-city": "trois"}) == {trois_rivieres}
    assert found(client, "Patient", {"address-postalcode": "h4j"}) == {montreal}
    assert found(client, "Patient", {"address-state": "qc"}) == {montreal}
    assert found(client, "Patient", {"address-country": "canada"}) == {montreal}
    assert found(client, "Patient", {"address:contains": "gouin"}) == {montreal}


def test_string_missing_finds_resources_with_and_without_a_value(client: TestClient) -> None:
    p = _people(client)
    assert found(client, "Patient", {"name:missing": "true"}) == {p["nameless"]}
    assert found(client, "Patient", {"name:missing": "false"}) == {p["belanger"], p["cote"], p["bell"]}


def test_string_escaped_comma_is_part_of_the_value(client: TestClient) -> None:
    comma = create(client, patient(name=[{"text": "Smith, John"}]))
    create(client, patient(name=[{"family": "Smith"}, {"given": ["John"]}]))
    assert found(client, "Patient", {"name": "smith\\, john"}) == {comma}
