"""Optimistic locking under real concurrency: of two writers with the same If-Match, one wins."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

FHIR = {"Content-Type": "application/fhir+json"}


def test_two_concurrent_updates_with_the_same_if_match_one_succeeds_one_gets_412(client: TestClient) -> None:
    for round_number in range(8):
        created = client.post(
            "/fhir/Patient",
            json={"resourceType": "Patient", "name": [{"family": f"Course{round_number}"}]},
            headers=FHIR,
        ).json()
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def writer(
            gender: str,
            created: dict = created,
            barrier: threading.Barrier = barrier,
            statuses: list[int] = statuses,
        ) -> None:
            body = {**created, "gender": gender}
            barrier.wait()
            response = client.put(f"/fhir/Patient/{created['id']}", json=body, headers={**FHIR, "If-Match": 'W/"1"'})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=writer, args=(g,)) for g in ("male", "female")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 412], statuses
        current = client.get(f"/fhir/Patient/{created['id']}").json()
        assert current["meta"]["versionId"] == "2"
