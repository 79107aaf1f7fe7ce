"""ClientConfig: how this app is registered with the EHR, checked once at start-up.

The client type follows from what is set: nothing secret -> public client;
``client_secret`` -> confidential symmetric (client_secret_basic);
``private_key_pem`` -> confidential asymmetric (private_key_jwt, also used for backend services).
``allow_http`` is the development flag: without it every SMART endpoint must be https (plain
http only for a FHIR base and endpoints all on a loopback address, see discovery.check_secure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .keys import SUPPORTED_ALGORITHMS

__all__ = ["ClientConfig", "validate_config"]


@dataclass(frozen=True)
class ClientConfig:
    client_id: str
    redirect_uri: str
    client_secret: str | None = field(default=None, repr=False)  # -> client_secret_basic
    private_key_pem: bytes | None = field(default=None, repr=False)  # -> private_key_jwt
    private_key_alg: str = "RS384"  # or "ES384"
    key_id: str | None = None
    allow_http: bool = False  # development only: accept http endpoints on any host

    @property
    def client_type(self) -> str:
        """"public", "confidential-symmetric" or "confidential-asymmetric"."""
        if self.private_key_pem is not None:
            return "confidential-asymmetric"
        if self.client_secret is not None:
            return "confidential-symmetric"
        return "public"


def validate_config(config: ClientConfig) -> None:
    """Raise ConfigurationError naming the bad setting and what would fix it."""
    if not config.client_id or not config.client_id.strip():
        raise ConfigurationError("client_id is empty; set the registered id",
                                 code="invalid_client_id")
    parts = urlsplit(config.redirect_uri or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise ConfigurationError(
            f"redirect_uri {config.redirect_uri!r} must be an absolute http(s) URL without #",
            code="invalid_redirect_uri",
        )
    if config.client_secret is not None and config.private_key_pem is not None:
        raise ConfigurationError(
            "set either client_secret (client_secret_basic) or private_key_pem "
            "(private_key_jwt), not both",
            code="ambiguous_client_auth",
        )
    if config.client_secret is not None and not config.client_secret:
        raise ConfigurationError("client_secret is empty", code="invalid_client_secret")
    if config.private_key_alg not in SUPPORTED_ALGORITHMS:
        raise ConfigurationError(
            f"private_key_alg {config.private_key_alg!r} must be one of {SUPPORTED_ALGORITHMS}",
            code="unsupported_algorithm",
        )
