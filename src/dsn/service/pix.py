"""IHE PIXm: cross-reference one patient identifier to the patient's other identifiers.

``GET [base]/Patient/$ihe-pix?sourceIdentifier=system|value[&targetSystem=…]`` answers a
Parameters resource with a ``targetId`` (the DSN Patient) and a ``targetIdentifier``
for each of its other identifiers (the NAM, each facility's record number…), limited to
the ``targetSystem``\\ s asked for. It is a Patient search underneath, so the access
policy, consent and the audit log apply exactly as they do to searches. (PDQm, the
demographics query, is the FHIR Patient search itself: ``family``, ``given``, ``name``,
``birthdate``, ``gender``, ``identifier``, ``address-postalcode``, ``telecom``.)
"""

from __future__ import annotations

from typing import Any

from dsn.service.context import RequestContext
from dsn.service.errors import FhirError, invalid
from dsn.service.records import RecordService


def ihe_pix(service: RecordService, ctx: RequestContext, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    sources = [value for name, value in pairs if name == "sourceIdentifier"]
    if len(sources) != 1 or "|" not in sources[0] or not all(sources[0].split("|", 1)):
        raise invalid("exactly one sourceIdentifier=system|value is required", "sourceIdentifier")
    targets = {system for name, value in pairs if name == "targetSystem" for system in value.split(",") if system}
    unknown = [name for name, _ in pairs if name not in ("sourceIdentifier", "targetSystem", "_format")]
    if unknown:
        raise invalid(f"unknown parameter(s) for $ihe-pix: {', '.join(unknown)}", unknown[0])
    source_system, source_value = sources[0].split("|", 1)
    outcome = service.search(ctx, "Patient", [("identifier", sources[0]), ("_count", "10")])
    if not outcome.result.matches:
        # PIXm: an identifier the server does not know is a 404 when the source system is
        # known, and 400 otherwise; DSN cannot tell which systems exist without a scan.
        raise FhirError(404, "not-found", f"no patient has identifier {sources[0]}")
    parameters: list[dict[str, Any]] = []
    for stored in outcome.result.matches:
        patient = stored.resource or {}
        for identifier in patient.get("identifier", []) or []:
            system, value = identifier.get("system"), identifier.get("value")
            if (system, value) == (source_system, source_value):
                continue
            if targets and system not in targets:
                continue
            parameters.append({"name": "targetIdentifier", "valueIdentifier": identifier})
        parameters.append({"name": "targetId", "valueReference": {"reference": f"Patient/{stored.res_id}"}})
    return {"resourceType": "Parameters", "parameter": parameters}
