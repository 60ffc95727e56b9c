"""Helpers for search specifications: store resources and search through the HTTP API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

FHIR = "application/fhir+json"
BASE = "http://testserver/fhir"
STRICT = {"Prefer": "handling=strict"}


def create(client: TestClient, body: dict[str, Any]) -> str:
    """POST a resource and return its server-assigned id."""
    response = client.post(f"/fhir/{body['resourceType']}", json=body, headers={"Content-Type": FHIR})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def put(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """PUT a resource under the id it carries (create or update) and return what was stored."""
    response = client.put(f"/fhir/{body['resourceType']}/{body['id']}", json=body, headers={"Content-Type": FHIR})
    assert response.status_code in (200, 201), response.text
    return response.json()


def delete(client: TestClient, reference: str) -> None:
    response = client.delete(f"/fhir/{reference}")
    assert response.status_code in (200, 204), response.text


def search(client: TestClient, path: str, params: Any = (), **headers: str) -> dict[str, Any]:
    """GET ``/fhir/{path}?{params}`` and return the Bundle (asserting 200)."""
    response = get(client, path, params, **headers)
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return bundle


def get(client: TestClient, path: str, params: Any = (), **headers: str):
    query = urlencode(list(params.items()) if isinstance(params, dict) else list(params))
    url = f"/fhir/{path}" + (f"?{query}" if query else "")
    return client.get(url, headers=headers)


def entries(bundle: dict[str, Any], mode: str = "match") -> list[dict[str, Any]]:
    return [e for e in bundle.get("entry", []) if e.get("search", {}).get("mode") == mode]


def ids(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    """Ids of the entries of one search mode, in Bundle order."""
    return [e["resource"]["id"] for e in entries(bundle, mode)]


def found(client: TestClient, path: str, params: Any = ()) -> set[str]:
    """The set of matching ids (strict handling, so an ignored parameter fails the test)."""
    return set(ids(search(client, path, params, **STRICT)))


def link(bundle: dict[str, Any], relation: str) -> str | None:
    for item in bundle.get("link", []):
        if item["relation"] == relation:
            return item["url"]
    return None


def follow(client: TestClient, url: str) -> dict[str, Any]:
    """GET an absolute link from a Bundle."""
    assert url.startswith(BASE), url
    response = client.get(url[len("http://testserver") :])
    assert response.status_code == 200, response.text
    return response.json()


def patient(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", **fields}


def observation(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    body.update(fields)
    return body


def coding(system: str | None, code: str, display: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"code": code}
    if system is not None:
        concept["system"] = system
    if display is not None:
        concept["display"] = display
    return concept
