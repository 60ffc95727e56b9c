"""Blocking: the pairs it must never miss, and how much of the truth it keeps."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dsn.mpi.blocking import block_keys, hash_key, key_hashes
from dsn.mpi.corruption import CORRUPTIONS, corrupt
from dsn.mpi.features import extract
from dsn.mpi.nam import NAM_SYSTEM
from dsn.mpi.population import generate_population, true_pairs
from dsn.synthetic.names import ENGLISH_FAMILY, FRENCH_FAMILY, OTHER_FAMILY

FAMILIES = st.sampled_from(FRENCH_FAMILY + ENGLISH_FAMILY + OTHER_FAMILY)
GIVENS = st.sampled_from(("Nathalie", "Marie-Ève", "Jean-François", "Émile", "Robert", "Bob", "Thi Hoa", "Li"))
DATES = st.dates().map(lambda d: d.isoformat()).filter(lambda text: len(text) == 10)


def patient(family: str | None, given: str | None, birth: str | None, nam: str | None = None) -> dict:
    body: dict = {"resourceType": "Patient", "name": [{"family": family, "given": [given] if given else []}]}
    if birth:
        body["birthDate"] = birth
    if nam:
        body["identifier"] = [{"system": NAM_SYSTEM, "value": nam}]
    return body


@settings(max_examples=200, deadline=None)
@given(FAMILIES, FAMILIES, GIVENS, GIVENS, DATES, DATES)
def test_records_sharing_a_nam_always_share_a_key(
    family_a: str, family_b: str, given_a: str, given_b: str, birth_a: str, birth_b: str
) -> None:
    a = extract(patient(family_a, given_a, birth_a, nam="TREN75531412"))
    b = extract(patient(family_b, given_b, birth_b, nam="tren 7553 1412"))
    assert block_keys(a) & block_keys(b)


@settings(max_examples=200, deadline=None)
@given(FAMILIES, FAMILIES, GIVENS, GIVENS, DATES, st.booleans())
def test_records_sharing_a_phonetic_name_and_birth_date_always_share_a_key(
    family: str, other_family: str, given_name: str, other_given: str, birth: str, share_family: bool
) -> None:
    """Any one name sounding alike (family or given, whatever the other name) + same birth date."""
    if share_family:
        a, b = patient(family, given_name, birth), patient(family.upper(), other_given, birth)
    else:
        a, b = patient(family, given_name, birth), patient(other_family, given_name.lower(), birth)
    assert block_keys(extract(a)) & block_keys(extract(b))


def test_swapped_names_and_day_month_swaps_still_meet() -> None:
    original = extract(patient("Tremblay", "Nathalie", "1975-03-04"))
    assert block_keys(original) & block_keys(extract(patient("Nathalie", "Tremblay", "1975-03-04")))
    assert block_keys(original) & block_keys(extract(patient("Trembaly", "Nathalie", "1975-04-03")))
    assert block_keys(original) & block_keys(extract(patient("Tremblay", "Nathali", "1957-03-04")))


def test_a_record_without_birth_date_is_found_by_nam_only() -> None:
    keys = block_keys(extract(patient("Tremblay", "Nathalie", None, nam="TREN75531412")))
    assert keys == {"N|TREN75531412"}
    assert block_keys(extract(patient("Tremblay", "Nathalie", None))) == set()


def test_every_single_corruption_keeps_a_shared_key() -> None:
    """One error of any kind never hides a duplicate from blocking."""
    records = [r for r in generate_population("blocking", 300, duplicate_rate=0) if r.lookalike is None]
    rng = random.Random(7)
    for kind in CORRUPTIONS:
        for record in records:
            copy, applied = corrupt(record.resource, rng, donor=rng.choice(records).resource, kinds=[kind])
            if applied:
                assert block_keys(extract(record.resource)) & block_keys(extract(copy)), (kind, copy["name"])


def test_blocking_keeps_nearly_all_true_pairs_of_a_population() -> None:
    records = list(generate_population("blocking-recall", 2000))
    keys = {r.id: set(key_hashes(extract(r.resource))) for r in records}
    pairs = true_pairs(records)
    kept = sum(1 for a, b in pairs if keys[a] & keys[b])
    assert kept / len(pairs) >= 0.98


def test_key_hashes_are_signed_64_bit_and_stable() -> None:
    value = hash_key("N|TREN75531412")
    assert -(2**63) <= value < 2**63
    assert value == hash_key("N|TREN75531412") != hash_key("N|TREN75531413")
