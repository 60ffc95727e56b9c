"""_list: the resources that are items of a List."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import STRICT, create, delete, found, get, observation, patient, put


def test_list_selects_the_items_of_a_list(client: TestClient) -> None:
    first = create(client, patient())
    second = create(client, patient())
    create(client, patient())
    obs = create(client, observation())
    put(
        client,
        {
            "resourceType": "List",
            "id": "suivi",
            "status": "current",
            "mode": "working",
            "entry": [
                {"item": {"reference": f"Patient/{first}"}},
                {"item": {"reference": f"Patient/{second}"}},
                {"item": {"reference": f"Observation/{obs}"}},
            ],
        },
    )
    put(client, {"resourceType": "List", "id": "vide", "status": "current", "mode": "working"})
    assert found(client, "Patient", {"_list": "suivi"}) == {first, second}
    assert found(client, "Observation", {"_list": "suivi"}) == {obs}
    assert found(client, "Patient", {"_list": "vide"}) == set()
    assert found(client, "Patient", {"_list": "absent"}) == set()
    assert found(client, "Patient", [("_list", "suivi"), ("_id", first)]) == {first}
    delete(client, "List/suivi")
    assert found(client, "Patient", {"_list": "suivi"}) == set()


def test_list_needs_a_value(client: TestClient) -> None:
    assert get(client, "Patient", {"_list": ""}, **STRICT).status_code == 400
