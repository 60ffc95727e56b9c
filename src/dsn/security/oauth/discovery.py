"""What the authorization server tells clients about itself.

* ``[base]/.well-known/smart-configuration`` (SMART App Launch v2 §2.1),
* ``/.well-known/openid-configuration`` (OpenID Connect Discovery),
* the CapabilityStatement ``rest.security`` block with the ``oauth-uris`` extension that
  older SMART clients (such as the ``fhirclient`` package) read from ``/metadata``.
"""

from __future__ import annotations

from typing import Any

from dsn.config import Settings
from dsn.security.clients import ASSERTION_ALGORITHMS
from dsn.security.oauth.client_auth import token_endpoint

SMART_CAPABILITIES = [
    "launch-ehr",
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "client-confidential-asymmetric",
    "context-ehr-patient",
    "context-ehr-encounter",
    "context-standalone-patient",
    "sso-openid-connect",
    "permission-offline",
    "permission-online",
    "permission-patient",
    "permission-user",
    "permission-v1",
    "permission-v2",
]
SCOPES_SUPPORTED = [
    "openid",
    "fhirUser",
    "profile",
    "launch",
    "launch/patient",
    "launch/encounter",
    "offline_access",
    "online_access",
    "patient/*.cruds",
    "user/*.cruds",
    "system/*.cruds",
    "patient/*.read",
    "user/*.read",
    "system/*.read",
]


def endpoints(settings: Settings) -> dict[str, str]:
    issuer = settings.issuer_url()
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/jwks",
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": token_endpoint(settings),
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
    }


def smart_configuration(settings: Settings) -> dict[str, Any]:
    return {
        **endpoints(settings),
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": SMART_CAPABILITIES,
    }


def openid_configuration(settings: Settings) -> dict[str, Any]:
    return {
        **endpoints(settings),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [settings.token_signing_alg.upper()],
        "scopes_supported": ["openid", "fhirUser", "profile", "offline_access"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser", "name"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
    }


def capability_security(settings: Settings) -> dict[str, Any]:
    """The ``CapabilityStatement.rest[0].security`` element advertising SMART on FHIR."""
    urls = endpoints(settings)
    return {
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ],
                "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
            }
        ],
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [
                    {"url": "authorize", "valueUri": urls["authorization_endpoint"]},
                    {"url": "token", "valueUri": urls["token_endpoint"]},
                    {"url": "revoke", "valueUri": urls["revocation_endpoint"]},
                    {"url": "introspect", "valueUri": urls["introspection_endpoint"]},
                ],
            }
        ],
    }
