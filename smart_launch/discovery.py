"""SMART discovery: ``.well-known/smart-configuration``, the legacy CapabilityStatement
``oauth-uris`` fallback, and the issuer's JWKS location.

The parse_* functions are pure (document in, SmartConfiguration out); fetch_* do the I/O
through transport.get_json. Caching per issuer lives in client.py.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .errors import ConfigurationError, DiscoveryError
from .transport import get_json

__all__ = [
    "OAUTH_URIS_EXTENSION",
    "SmartConfiguration",
    "fetch_configuration",
    "fetch_jwks",
    "find_jwks_uri",
    "normalize_iss",
    "parse_capability_statement",
    "parse_smart_configuration",
    "resolve_endpoint",
]

log = logging.getLogger(__name__)

OAUTH_URIS_EXTENSION = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


@dataclass(frozen=True)
class SmartConfiguration:
    """What the app needs to know about a FHIR server's authorization server."""

    fhir_base: str
    issuer: str | None
    authorization_endpoint: str | None
    token_endpoint: str
    jwks_uri: str | None = None
    capabilities: frozenset[str] = frozenset()
    scopes_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    token_endpoint_auth_methods_supported: tuple[str, ...] = ()
    source: str = "smart-configuration"  # or "capability-statement"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def supports_v2(self) -> bool:
        """True when the server understands SMART v2 scopes (``patient/X.rs``)."""
        return "permission-v2" in self.capabilities


def normalize_iss(iss: str) -> str:
    """Return the FHIR base URL without a trailing slash; refuse anything but http(s)."""
    value = (iss or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError("invalid_iss", f"not a FHIR base URL: {value!r}")
    return value.rstrip("/")


def resolve_endpoint(fhir_base: str, value: object) -> str | None:
    """Resolve an endpoint that may be relative to the FHIR base; None when unusable."""
    if not isinstance(value, str) or not value.strip():
        return None
    resolved = urljoin(fhir_base.rstrip("/") + "/", value.strip())
    if urlsplit(resolved).scheme not in ("http", "https"):
        return None
    return resolved


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def parse_smart_configuration(fhir_base: str, raw: Mapping[str, Any]) -> SmartConfiguration:
    """Build a SmartConfiguration from a ``.well-known/smart-configuration`` document."""
    token_endpoint = resolve_endpoint(fhir_base, raw.get("token_endpoint"))
    if token_endpoint is None:
        raise DiscoveryError(
            "missing_token_endpoint", f"smart-configuration of {fhir_base} has no token_endpoint"
        )
    issuer = raw.get("issuer")
    return SmartConfiguration(
        fhir_base=fhir_base,
        issuer=issuer.rstrip("/") if isinstance(issuer, str) and issuer.strip() else None,
        authorization_endpoint=resolve_endpoint(fhir_base, raw.get("authorization_endpoint")),
        token_endpoint=token_endpoint,
        jwks_uri=resolve_endpoint(fhir_base, raw.get("jwks_uri")),
        capabilities=frozenset(_strings(raw.get("capabilities"))),
        scopes_supported=_strings(raw.get("scopes_supported")),
        code_challenge_methods_supported=_strings(raw.get("code_challenge_methods_supported")),
        token_endpoint_auth_methods_supported=_strings(
            raw.get("token_endpoint_auth_methods_supported")
        ),
        source="smart-configuration",
        raw=dict(raw),
    )


def _oauth_uris(statement: Mapping[str, Any]) -> dict[str, str]:
    uris: dict[str, str] = {}
    rests = statement.get("rest")
    for rest in rests if isinstance(rests, list) else []:
        security = rest.get("security") if isinstance(rest, dict) else None
        extensions = security.get("extension") if isinstance(security, dict) else None
        for ext in extensions if isinstance(extensions, list) else []:
            if not isinstance(ext, dict) or ext.get("url") != OAUTH_URIS_EXTENSION:
                continue
            inner = ext.get("extension")
            for item in inner if isinstance(inner, list) else []:
                if isinstance(item, dict) and isinstance(item.get("url"), str):
                    value = item.get("valueUri", item.get("valueUrl"))
                    if isinstance(value, str):
                        uris.setdefault(item["url"], value)
    return uris


def parse_capability_statement(fhir_base: str, raw: Mapping[str, Any]) -> SmartConfiguration:
    """Build a read-only SmartConfiguration from a legacy CapabilityStatement's oauth-uris."""
    uris = _oauth_uris(raw)
    authorize = resolve_endpoint(fhir_base, uris.get("authorize"))
    token = resolve_endpoint(fhir_base, uris.get("token"))
    if authorize is None or token is None:
        raise DiscoveryError(
            "no_smart_configuration",
            f"{fhir_base} publishes neither .well-known/smart-configuration nor "
            "oauth-uris in its CapabilityStatement",
        )
    return SmartConfiguration(
        fhir_base=fhir_base,
        issuer=None,
        authorization_endpoint=authorize,
        token_endpoint=token,
        source="capability-statement",
        raw=dict(raw),
    )


def fetch_configuration(
    http: requests.Session, fhir_base: str, *, timeout: float
) -> SmartConfiguration:
    """Fetch smart-configuration, falling back to ``{iss}/metadata`` when it is unusable.

    A TransportError (network failure) is not a reason to fall back: it propagates.
    """
    url = f"{fhir_base}/.well-known/smart-configuration"
    try:
        return parse_smart_configuration(fhir_base, get_json(http, url, timeout=timeout))
    except DiscoveryError as first:
        log.info("smart-configuration unusable for %s (%s); trying metadata", fhir_base, first.code)
        try:
            statement = get_json(
                http, f"{fhir_base}/metadata", timeout=timeout, accept="application/fhir+json"
            )
        except DiscoveryError as second:
            raise DiscoveryError(
                "no_smart_configuration",
                f"{fhir_base}: smart-configuration failed ({first.message}); "
                f"metadata failed ({second.message})",
            ) from second
        return parse_capability_statement(fhir_base, statement)


def find_jwks_uri(
    http: requests.Session, config: SmartConfiguration, *, timeout: float
) -> str | None:
    """The issuer's JWKS URL: from smart-configuration, else the issuer's OpenID metadata."""
    if config.jwks_uri:
        return config.jwks_uri
    if not config.issuer:
        return None
    url = f"{config.issuer}/.well-known/openid-configuration"
    document = get_json(http, url, timeout=timeout)
    published = document.get("issuer")
    if isinstance(published, str) and published.rstrip("/") != config.issuer:
        raise DiscoveryError(
            "issuer_mismatch", f"{url} names issuer {published!r}, expected {config.issuer!r}"
        )
    return resolve_endpoint(config.issuer, document.get("jwks_uri"))


def fetch_jwks(http: requests.Session, jwks_uri: str, *, timeout: float) -> dict[str, Any]:
    """GET a JWK Set and check its shape (``{"keys": [...]}``)."""
    document = get_json(http, jwks_uri, timeout=timeout)
    if not isinstance(document.get("keys"), list):
        raise DiscoveryError("invalid_jwks", f"{jwks_uri} is not a JWK Set")
    return document
