"""The authorization matrix, cell by cell, over the real HTTP API.

Generated from the shipped role matrix: for every role × resource type × action ×
(own region, other region, region not live) the expected answer is computed from
``dsn.security.roles`` and the region rules, and checked against what the server
answers to a user holding the broadest scopes (so the role matrix is what decides).
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from dsn.config import Settings
from dsn.fhir.definitions import resource_types
from dsn.security import roles
from dsn.security.policy import PATIENT_DIRECTORY_TYPES
from dsn.store.schema import resource
from dsn.store.security_schema import region
from tests.support.auth import bearer
from tests.support.minimal_resources import minimal_instance

FHIR = {"Content-Type": "application/fhir+json"}
OWN, OTHER, NOT_LIVE = "04", "06", "01"
ACTIONS = ("read", "search", "create", "update", "delete")
LETTER = {"read": "r", "search": "s", "create": "c", "update": "u", "delete": "d"}
SUCCESS = {"read": 200, "search": 200, "create": 201, "update": 200, "delete": 204}
TYPES = sorted(resource_types())


def expected(role: str, res_type: str, action: str, case: str) -> int:
    """The status the policy must answer for one cell."""
    region_bound = role in (*roles.CLINICAL_ROLES, "privacy_officer")
    if region_bound and case == "not-live":
        return 403
    if LETTER[action] not in roles.permissions(role, res_type):
        return 403
    if role == "patient":
        # The patient's own compartment holds none of these fixtures: reads find
        # nothing (404, as if absent) except directory data (who treats them, where),
        # and writes outside the compartment are refused.
        if action == "read":
            return 200 if res_type in PATIENT_DIRECTORY_TYPES else 404
        return {"search": 200}.get(action, 403)
    if case == "other" and action in ("update", "delete") and region_bound:
        return 403
    return SUCCESS[action]


CASES = {"own": OWN, "other": OTHER, "not-live": OWN}  # case → region that wrote the fixtures


@pytest.fixture
def fixtures(client: TestClient, engine: Engine) -> dict[tuple[str, str], dict]:
    """One stored instance of every type per case, written as the case's source region."""
    with engine.begin() as conn:
        conn.execute(
            region.insert(),
            [
                {"code": OWN, "name": "Mauricie-et-Centre-du-Québec", "live": True},
                {"code": OTHER, "name": "Montréal", "live": True},
                {"code": NOT_LIVE, "name": "Bas-Saint-Laurent", "live": False},
            ],
        )
    stored = {}
    for case, source in CASES.items():
        for res_type in TYPES:
            response = client.post(f"/fhir/{res_type}", json=minimal_instance(res_type), headers=FHIR)
            assert response.status_code == 201, response.text
            stored[(res_type, case)] = response.json()
        with engine.begin() as conn:
            ids = [stored[(t, case)]["id"] for t in TYPES]
            conn.execute(update(resource).where(resource.c.res_id.in_(ids)).values(source_region=source))
    return stored


def answer(http: TestClient, action: str, res_type: str, target: dict) -> int:
    if action == "read":
        return http.get(f"/fhir/{res_type}/{target['id']}").status_code
    if action == "search":
        return http.get(f"/fhir/{res_type}", params={"_count": "1"}).status_code
    if action == "create":
        return http.post(f"/fhir/{res_type}", json=minimal_instance(res_type), headers=FHIR).status_code
    if action == "update":
        return http.put(f"/fhir/{res_type}/{target['id']}", json=target, headers=FHIR).status_code
    return http.delete(f"/fhir/{res_type}/{target['id']}").status_code


@pytest.mark.slow
@pytest.mark.parametrize("role", roles.ROLES)
def test_every_cell_of_the_role_matrix(
    role: str, app: FastAPI, settings: Settings, fixtures: dict[tuple[str, str], dict]
) -> None:
    mismatches = []
    checked = 0
    for case in ("own", "other", "not-live"):
        user_region = NOT_LIVE if case == "not-live" else OWN
        scopes = ("patient/*.cruds",) if role == "patient" else ("user/*.cruds",)
        headers = bearer(
            settings,
            kind="user",
            subject=f"{role}-{case}",
            role=role,
            scopes=scopes,
            organization=f"org-{user_region}",
            region=user_region,
            patients=("someone-else",) if role == "patient" else (),
        )
        # Not entered as a context manager: that would run the app's shutdown (closing
        # its audit writer) when the block ends, while the app serves the next case.
        http = TestClient(app, base_url="http://testserver", headers=headers)
        for res_type in TYPES:
            target = fixtures[(res_type, case)]
            for action in ACTIONS:
                want = expected(role, res_type, action, case)
                got = answer(http, action, res_type, target)
                checked += 1
                if got != want:
                    mismatches.append((case, res_type, action, want, got))
                if action == "update" and got == 200:
                    target["meta"] = None
                    fresh = http.get(f"/fhir/{res_type}/{target['id']}")
                    if fresh.status_code == 200:
                        target.update(fresh.json())
    assert checked == 3 * len(TYPES) * len(ACTIONS)
    assert not mismatches, f"{len(mismatches)} cells differ, e.g. {mismatches[:10]}"
