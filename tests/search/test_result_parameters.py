"""_total, _summary and _elements."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.search.support import STRICT, create, entries, get, observation, patient, search

NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Marie Bélanger</div>'}


def _subsetted(resource: dict) -> bool:
    return any(tag.get("code") == "SUBSETTED" for tag in resource.get("meta", {}).get("tag", []))


@pytest.fixture
def three(client: TestClient) -> list[str]:
    return [
        create(
            client,
            patient(
                text=NARRATIVE,
                name=[{"family": "Bélanger"}],
                gender="female",
                birthDate="1984-03-12",
                maritalStatus={"text": "Mariée"},
            ),
        )
        for _ in range(3)
    ]


def test_total_accurate_counts_every_match_across_pages(client: TestClient, three: list[str]) -> None:
    bundle = search(client, "Patient", {"_total": "accurate", "_count": "1"})
    assert bundle["total"] == 3
    assert len(entries(bundle)) == 1


def test_total_none_omits_the_total(client: TestClient, three: list[str]) -> None:
    assert "total" not in search(client, "Patient", {"_total": "none"})


def test_total_estimate_gives_a_number(client: TestClient, three: list[str]) -> None:
    bundle = search(client, "Patient", {"_total": "estimate", "family": "belanger"})
    assert isinstance(bundle["total"], int)
    assert bundle["total"] >= 0


def test_total_accurate_with_criteria(client: TestClient, three: list[str]) -> None:
    create(client, patient(gender="male"))
    assert search(client, "Patient", {"_total": "accurate", "gender": "female"})["total"] == 3


def test_summary_count_returns_only_the_total(client: TestClient, three: list[str]) -> None:
    bundle = search(client, "Patient", {"_summary": "count"})
    assert bundle["total"] == 3
    assert entries(bundle) == []


def test_summary_true_keeps_summary_elements_and_marks_subsetted(client: TestClient, three: list[str]) -> None:
    resource = entries(search(client, "Patient", {"_summary": "true"}))[0]["resource"]
    assert resource["name"] == [{"family": "Bélanger"}]
    assert resource["birthDate"] == "1984-03-12"
    assert "text" not in resource
    assert "maritalStatus" not in resource
    assert _subsetted(resource)


def test_summary_true_keeps_choice_elements_flagged_summary(client: TestClient) -> None:
    create(client, observation(text=NARRATIVE, valueQuantity={"value": 5.4}, effectiveDateTime="2020-01-01"))
    resource = entries(search(client, "Observation", {"_summary": "true"}))[0]["resource"]
    assert resource["valueQuantity"] == {"value": 5.4}
    assert resource["effectiveDateTime"] == "2020-01-01"
    assert "text" not in resource


def test_summary_text_keeps_text_id_meta_and_mandatory_elements(client: TestClient) -> None:
    create(client, observation(text=NARRATIVE, valueString="x", code={"text": "glycémie"}))
    resource = entries(search(client, "Observation", {"_summary": "text"}))[0]["resource"]
    assert resource["text"] == NARRATIVE
    assert resource["status"] == "final"
    assert resource["code"] == {"text": "glycémie"}
    assert "valueString" not in resource
    assert _subsetted(resource)


def test_summary_data_removes_the_text_and_marks_subsetted(client: TestClient, three: list[str]) -> None:
    resource = entries(search(client, "Patient", {"_summary": "data"}))[0]["resource"]
    assert "text" not in resource
    assert resource["maritalStatus"] == {"text": "Mariée"}
    assert _subsetted(resource)


def test_summary_false_returns_everything(client: TestClient, three: list[str]) -> None:
    resource = entries(search(client, "Patient", {"_summary": "false"}))[0]["resource"]
    assert resource["text"] == NARRATIVE
    assert not _subsetted(resource)


def test_elements_keeps_the_listed_elements_and_marks_subsetted(client: TestClient, three: list[str]) -> None:
    resource = entries(search(client, "Patient", {"_elements": "birthDate,gender"}))[0]["resource"]
    assert set(resource) == {"resourceType", "id", "meta", "birthDate", "gender"}
    assert _subsetted(resource)


def test_elements_names_a_choice_element_by_its_base_name(client: TestClient) -> None:
    create(client, observation(valueQuantity={"value": 5.4}, effectiveDateTime="2020-01-01"))
    resource = entries(search(client, "Observation", {"_elements": "value"}))[0]["resource"]
    assert resource["valueQuantity"] == {"value": 5.4}
    assert "effectiveDateTime" not in resource
    assert resource["status"] == "final"  # mandatory elements are always returned


def test_bad_summary_or_total_is_rejected_under_strict_handling(client: TestClient) -> None:
    assert get(client, "Patient", {"_summary": "maybe"}, **STRICT).status_code == 400
    assert get(client, "Patient", {"_total": "some"}, **STRICT).status_code == 400
    assert get(client, "Patient", {"_count": "-1"}, **STRICT).status_code == 400


def test_total_estimate_with_every_kind_of_criterion(client: TestClient) -> None:
    create(client, observation(subject={"reference": "Patient/p"}, effectiveDateTime="2020-01-01"))
    params = {
        "_total": "estimate",
        "subject": "Patient/p",
        "date": "ge2019",
        "code:text": "x",
        "patient.name": "o'neil_%",
        "value-quantity:missing": "true",
    }
    bundle = search(client, "Observation", params)
    assert isinstance(bundle["total"], int)
