"""Discovery documents: SMART's .well-known/smart-configuration and OpenID's configuration."""

from __future__ import annotations

from typing import Any

from ..settings import SandboxSettings
from .clients import ASSERTION_ALGORITHMS

GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]
AUTH_METHODS = ["none", "client_secret_basic", "private_key_jwt"]
BASE_CAPABILITIES = [
    "launch-ehr", "launch-standalone",
    "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
    "context-ehr-patient", "context-ehr-encounter",
    "context-standalone-patient", "context-standalone-encounter",
    "context-banner", "context-style",
    "sso-openid-connect",
    "permission-offline", "permission-patient", "permission-user",
]
CONTEXT_SCOPES = ["openid", "fhirUser", "profile", "launch", "launch/patient",
                  "launch/encounter", "offline_access", "online_access"]
RESOURCE_SCOPES = {
    "v2": ["patient/*.cruds", "patient/*.rs", "user/*.cruds", "user/*.rs",
           "system/*.cruds", "system/*.rs"],
    "v1": ["patient/*.*", "patient/*.read", "patient/*.write", "user/*.*", "user/*.read",
           "user/*.write", "system/*.*", "system/*.read", "system/*.write"],
}


def endpoints(settings: SandboxSettings) -> dict[str, str]:
    return {
        "issuer": settings.issuer,
        "jwks_uri": f"{settings.issuer}/jwks",
        "authorization_endpoint": f"{settings.issuer}/authorize",
        "token_endpoint": f"{settings.issuer}/token",
    }


def scopes_supported(settings: SandboxSettings) -> list[str]:
    syntax = "v1" if settings.scope_syntax == "v1" else "v2"
    return CONTEXT_SCOPES + RESOURCE_SCOPES[syntax]


def smart_configuration(settings: SandboxSettings) -> dict[str, Any]:
    """The document the FHIR server serves at {fhir_base}/.well-known/smart-configuration."""
    permission = "permission-v1" if settings.scope_syntax == "v1" else "permission-v2"
    return {
        **endpoints(settings),
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "scopes_supported": scopes_supported(settings),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": [*BASE_CAPABILITIES, permission],
    }


def openid_configuration(settings: SandboxSettings) -> dict[str, Any]:
    return {
        **endpoints(settings),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "scopes_supported": scopes_supported(settings),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "fhirUser"],
        "authorization_response_iss_parameter_supported": True,
    }
