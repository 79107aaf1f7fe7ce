"""smart_launch: a framework-free SMART App Launch 2.x client (discovery, PKCE, authorize,
token, refresh, launch context, id_token, backend services). Imports requests and authlib
(and joserfc, authlib's JOSE layer); never flask, plugin or ehr_sandbox."""

from .authorize import PendingAuthorization
from .client import SmartClient
from .config import ClientConfig
from .context import LaunchContext
from .discovery import SmartConfiguration, normalize_iss
from .errors import (
    AuthorizationDenied,
    AuthorizationError,
    ConfigurationError,
    DiscoveryError,
    IdTokenError,
    InsufficientScope,
    IssuerMismatch,
    SmartLaunchError,
    StateError,
    TokenRequestError,
    TransportError,
)
from .keys import SigningKey, generate_private_key_pem, load_signing_key
from .scopes import GrantedScopes
from .token import TokenSet

__all__ = [
    "AuthorizationDenied",
    "AuthorizationError",
    "ClientConfig",
    "ConfigurationError",
    "DiscoveryError",
    "GrantedScopes",
    "IdTokenError",
    "InsufficientScope",
    "IssuerMismatch",
    "LaunchContext",
    "PendingAuthorization",
    "SigningKey",
    "SmartClient",
    "SmartConfiguration",
    "SmartLaunchError",
    "StateError",
    "TokenRequestError",
    "TokenSet",
    "TransportError",
    "generate_private_key_pem",
    "load_signing_key",
    "normalize_iss",
]
