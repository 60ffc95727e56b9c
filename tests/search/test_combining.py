"""Combining criteria: comma = OR, repeated parameter = AND, different parameters = AND."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.search.support import create, found, patient


def test_comma_is_or_and_repetition_is_and(client: TestClient) -> None:
    jean_luc = create(client, patient(name=[{"family": "Côté", "given": ["Jean", "Luc"]}], gender="male"))
    jean = create(client, patient(name=[{"family": "Roy", "given": ["Jean"]}], gender="male"))
    luce = create(client, patient(name=[{"family": "Roy", "given": ["Luce"]}], gender="female"))
    assert found(client, "Patient", {"given": "jean,luc"}) == {jean_luc, jean, luce}
    assert found(client, "Patient", [("given", "jean"), ("given", "luc")]) == {jean_luc}
    assert found(client, "Patient", [("given", "jean,luce"), ("gender", "female")]) == {luce}
    assert found(client, "Patient", [("family", "roy"), ("given:exact", "Luc,Jean")]) == {jean}
    assert found(client, "Patient", [("gender", "male"), ("gender", "female")]) == set()
