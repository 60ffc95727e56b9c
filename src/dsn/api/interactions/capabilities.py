"""capabilities: ``GET [base]/metadata``, a CapabilityStatement built from what is wired.

It is generated from the same registry and route table the server uses, so it cannot
claim a parameter or interaction that does not work.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

import dsn
from dsn.api.media import negotiate
from dsn.api.responses import fhir_json
from dsn.fhir.definitions import resource_types
from dsn.security.oauth.discovery import capability_security
from dsn.store.search.conditions import TABLE_BY_TYPE

router = APIRouter()

INTERACTIONS = [
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
]
SUPPORTED_SEARCH_TYPES = {*TABLE_BY_TYPE, "composite"}
TYPE_OPERATIONS = {
    "Patient": [
        {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"},
        {"name": "match", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-match"},
        {"name": "merge", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-merge"},
        {"name": "ihe-pix", "definition": "https://profiles.ihe.net/ITI/PIXm/OperationDefinition/IHE.PIXm.pix"},
    ],
    "Observation": [{"name": "lastn", "definition": "http://hl7.org/fhir/OperationDefinition/Observation-lastn"}],
}


@router.get("/metadata")
def metadata(request: Request) -> Response:
    """Public, as SMART requires: clients discover the OAuth endpoints here before they have a token."""
    negotiate(request.headers.get("accept"), request.query_params.get("_format"))
    settings = request.app.state.settings
    statement = dict(capability_statement(settings.base_url, request.app.state.service.registry))
    statement["rest"] = [{**statement["rest"][0], "security": capability_security(settings)}]
    return fhir_json(statement)


@lru_cache(maxsize=4)
def _cached(base_url: str, registry: Any) -> dict[str, Any]:
    resources = []
    for res_type in sorted(resource_types()):
        params = registry.parameters_for(res_type)
        resources.append(
            {
                "type": res_type,
                "interaction": [{"code": code} for code in INTERACTIONS],
                "versioning": "versioned-update",
                "readHistory": True,
                "updateCreate": True,
                "conditionalCreate": True,
                "conditionalRead": "not-supported",
                "conditionalUpdate": True,
                "conditionalDelete": "single",
                "referencePolicy": ["literal", "logical"],
                "searchInclude": ["*"],
                "searchRevInclude": ["*"],
                "searchParam": [
                    {"name": code, "definition": param.url, "type": param.type}
                    for code, param in sorted(params.items())
                    if param.type in SUPPORTED_SEARCH_TYPES
                ],
                "operation": [
                    {"name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate"},
                    *TYPE_OPERATIONS.get(res_type, []),
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-28",
        "publisher": "DSN",
        "kind": "instance",
        "software": {"name": "DSN", "version": dsn.__version__},
        "implementation": {"description": "DSN provincial digital health record", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [
            {
                "mode": "server",
                "resource": resources,
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                    {"code": "search-system"},
                ],
            }
        ],
    }


def capability_statement(base_url: str, registry: Any) -> dict[str, Any]:
    return _cached(base_url, registry)
