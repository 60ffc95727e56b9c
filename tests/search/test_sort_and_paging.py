"""_sort on several keys and types, _count, and keyset paging that survives concurrent changes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import STRICT, create, delete, follow, get, ids, link, observation, patient, put, search


def _family(name: str, **fields: object) -> dict:
    return patient(name=[{"family": name}], **fields)


def test_sort_by_string_ascending_and_descending_ignoring_accents(client: TestClient) -> None:
    made = {name: create(client, _family(name)) for name in ("Côté", "Bélanger", "Roy", "bouchard", "Ávila")}
    nameless = create(client, patient())
    order = ids(search(client, "Patient", {"_sort": "family"}))
    assert order == [made[n] for n in ("Ávila", "Bélanger", "bouchard", "Côté", "Roy")] + [nameless]
    order = ids(search(client, "Patient", {"_sort": "-family"}))
    assert order == [made[n] for n in ("Roy", "Côté", "bouchard", "Bélanger", "Ávila")] + [nameless]


def test_sort_on_several_keys(client: TestClient) -> None:
    roy_84 = create(client, _family("Roy", birthDate="1984"))
    roy_90 = create(client, _family("Roy", birthDate="1990-05-01"))
    cote_70 = create(client, _family("Côté", birthDate="1970"))
    cote_90 = create(client, _family("Côté", birthDate="1990"))
    order = ids(search(client, "Patient", {"_sort": "family,-birthdate"}))
    assert order == [cote_90, cote_70, roy_90, roy_84]
    order = ids(search(client, "Patient", {"_sort": "-birthdate,family"}))
    assert order == [cote_90, roy_90, roy_84, cote_70]


def test_sort_by_date_uses_lowest_ascending_and_highest_descending(client: TestClient) -> None:
    year = create(client, observation(effectiveDateTime="2020"))
    june = create(client, observation(effectiveDateTime="2020-06-15"))
    period = create(client, observation(effectivePeriod={"start": "2019-12-01", "end": "2020-02-01"}))
    assert ids(search(client, "Observation", {"_sort": "date"})) == [period, year, june]
    assert ids(search(client, "Observation", {"_sort": "-date"})) == [year, june, period]


def test_sort_by_token_quantity_and_reference(client: TestClient) -> None:
    female = create(client, patient(gender="female"))
    male = create(client, patient(gender="male"))
    other = create(client, patient(gender="other"))
    assert ids(search(client, "Patient", {"_sort": "-gender"})) == [other, male, female]
    small = create(client, observation(valueQuantity={"value": 2.5}, subject={"reference": "Patient/b"}))
    large = create(client, observation(valueQuantity={"value": 10}, subject={"reference": "Patient/a"}))
    assert ids(search(client, "Observation", {"_sort": "value-quantity"})) == [small, large]
    assert ids(search(client, "Observation", {"_sort": "-value-quantity"})) == [large, small]
    assert ids(search(client, "Observation", {"_sort": "subject"})) == [large, small]


def test_sort_by_id_and_last_updated(client: TestClient) -> None:
    for res_id in ("c", "a", "b"):
        put(client, {"resourceType": "Patient", "id": res_id})
    assert ids(search(client, "Patient", {"_sort": "_id"})) == ["a", "b", "c"]
    assert ids(search(client, "Patient", {"_sort": "-_lastUpdated"})) == ["b", "a", "c"]
    assert ids(search(client, "Patient", {"_sort": "_lastUpdated"})) == ["c", "a", "b"]


def test_sort_by_unknown_parameter_is_an_error_under_strict_handling(client: TestClient) -> None:
    assert get(client, "Patient", {"_sort": "shoe-size"}, **STRICT).status_code == 400


def test_count_limits_the_page_and_links_lead_through_every_page(client: TestClient) -> None:
    made = [create(client, _family(f"Fam{i:02d}")) for i in range(7)]
    first = search(client, "Patient", {"_sort": "family", "_count": "3"})
    assert ids(first) == made[:3]
    assert link(first, "previous") is None
    second = follow(client, link(first, "next"))
    assert ids(second) == made[3:6]
    third = follow(client, link(second, "next"))
    assert ids(third) == made[6:]
    assert link(third, "next") is None
    back = follow(client, link(third, "previous"))
    assert ids(back) == made[3:6]
    assert ids(follow(client, link(back, "previous"))) == made[:3]


def test_count_zero_returns_no_entries(client: TestClient) -> None:
    create(client, patient())
    bundle = search(client, "Patient", {"_count": "0", "_total": "accurate"})
    assert "entry" not in bundle
    assert bundle["total"] == 1


def test_paging_stays_correct_when_resources_are_added_and_deleted(client: TestClient) -> None:
    made = [create(client, _family(f"M{i:02d}")) for i in range(10)]
    first = search(client, "Patient", {"_sort": "family", "_count": "4"})
    assert ids(first) == made[:4]
    delete(client, f"Patient/{made[1]}")
    delete(client, f"Patient/{made[5]}")
    create(client, _family("M00a"))  # sorts on the page already read
    late = create(client, _family("M99"))  # sorts after everything
    seen = list(ids(first))
    page = first
    while link(page, "next"):
        page = follow(client, link(page, "next"))
        seen += ids(page)
    assert len(seen) == len(set(seen))
    expected_rest = [made[i] for i in (4, 6, 7, 8, 9)] + [late]
    assert seen[4:] == expected_rest


def test_paging_without_sort_is_stable_under_inserts(client: TestClient) -> None:
    made = [create(client, patient()) for _ in range(5)]
    first = search(client, "Patient", {"_count": "2"})
    newcomer = create(client, patient())
    seen = list(ids(first))
    page = first
    while link(page, "next"):
        page = follow(client, link(page, "next"))
        seen += ids(page)
    assert sorted(seen) == sorted([*made, newcomer])
    assert len(seen) == len(set(seen))


def test_paging_through_resources_without_a_sort_value(client: TestClient) -> None:
    named = create(client, _family("Roy"))
    nameless = [create(client, patient()) for _ in range(5)]
    seen: list[str] = []
    page = search(client, "Patient", {"_sort": "family", "_count": "2"})
    seen += ids(page)
    while link(page, "next"):
        page = follow(client, link(page, "next"))
        seen += ids(page)
    assert seen[0] == named
    assert sorted(seen[1:]) == sorted(nameless)
    assert len(seen) == 6


def test_a_forged_page_token_is_rejected(client: TestClient) -> None:
    assert get(client, "Patient", {"_page": "not-a-token"}).status_code == 400


def test_sort_by_an_unindexed_parameter_is_an_error_under_strict_handling(client: TestClient) -> None:
    assert get(client, "Patient", {"_sort": "_content"}, **STRICT).status_code == 400
    assert get(client, "Observation", {"_sort": "code-value-quantity"}, **STRICT).status_code == 400
