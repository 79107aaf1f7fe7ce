"""SMART discovery: ``.well-known/smart-configuration``, the legacy CapabilityStatement
``oauth-uris`` fallback, and the issuer's JWKS location.

The parse_* functions are pure (document in, SmartConfiguration out); fetch_* do the I/O
through transport.get_json. Caching per issuer lives in client.py.

Every discovered endpoint must be https (``check_secure``), so a document served for an https
FHIR base cannot send the code, the verifier or a token over plain http. Plain http is accepted
only with the client's development flag (``ClientConfig.allow_http``), or when the FHIR base
itself is http on a loopback address and so is the endpoint: a deployment on one machine, where
nothing crosses a network.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .errors import ConfigurationError, DiscoveryError
from .limits import DEFAULT_LIMITS, ReadLimits
from .transport import get_json

__all__ = [
    "LOOPBACK_HOSTS",
    "OAUTH_URIS_EXTENSION",
    "check_configuration",
    "check_secure",
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
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


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
    def requires_iss_parameter(self) -> bool:
        """RFC 9207: the server promises an ``iss`` on every authorization response, so a
        response without one did not come from it (a mix-up) and is refused."""
        return self.raw.get("authorization_response_iss_parameter_supported") is True

    @property
    def supports_v2(self) -> bool:
        """True when the server understands SMART v2 scopes (``patient/X.rs``)."""
        return "permission-v2" in self.capabilities


def normalize_iss(iss: str) -> str:
    """Return the FHIR base URL without a trailing slash; refuse anything but http(s)."""
    value = (iss or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(f"not a FHIR base URL: {value!r}", code="invalid_iss")
    return value.rstrip("/")


def resolve_endpoint(fhir_base: str, value: object) -> str | None:
    """Resolve an endpoint that may be relative to the FHIR base; None when unusable."""
    if not isinstance(value, str) or not value.strip():
        return None
    resolved = urljoin(fhir_base.rstrip("/") + "/", value.strip())
    if urlsplit(resolved).scheme not in ("http", "https"):
        return None
    return resolved


def _loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def check_secure(url: str, *, fhir_base: str, allow_http: bool, what: str) -> None:
    """Refuse an http ``url`` (see the module docstring for the two exceptions)."""
    scheme = urlsplit(url).scheme
    if scheme == "https" or allow_http:
        return
    if scheme == "http" and urlsplit(fhir_base).scheme == "http" and _loopback(fhir_base) \
            and _loopback(url):
        return
    raise DiscoveryError(
        f"{what} of {fhir_base} is {url}, not https; the app only talks to SMART servers over "
        "https (set the development flag to allow http while developing)",
        code="insecure_endpoint",
    )


def check_configuration(config: SmartConfiguration, *, allow_http: bool) -> SmartConfiguration:
    """Every endpoint of ``config`` (and the FHIR base itself) passes ``check_secure``."""
    base = config.fhir_base
    check_secure(base, fhir_base=base, allow_http=allow_http, what="the FHIR base")
    for what, url in (("authorization_endpoint", config.authorization_endpoint),
                      ("token_endpoint", config.token_endpoint),
                      ("jwks_uri", config.jwks_uri),
                      ("issuer", config.issuer)):
        if url:
            check_secure(url, fhir_base=base, allow_http=allow_http, what=what)
    return config


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def parse_smart_configuration(fhir_base: str, raw: Mapping[str, Any]) -> SmartConfiguration:
    """Build a SmartConfiguration from a ``.well-known/smart-configuration`` document."""
    token_endpoint = resolve_endpoint(fhir_base, raw.get("token_endpoint"))
    if token_endpoint is None:
        raise DiscoveryError(
            f"smart-configuration of {fhir_base} has no token_endpoint",
            code="missing_token_endpoint"
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
            f"{fhir_base} publishes neither .well-known/smart-configuration nor "
            "oauth-uris in its CapabilityStatement",
            code="no_smart_configuration",
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
    http: requests.Session, fhir_base: str, *, timeout: float, allow_http: bool = False,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> SmartConfiguration:
    """Fetch smart-configuration, falling back to ``{iss}/metadata`` when it is unusable.

    A TransportError (network failure, a redirect) is not a reason to fall back: it propagates,
    and so does an endpoint that is not https.
    """
    check_secure(fhir_base, fhir_base=fhir_base, allow_http=allow_http, what="the FHIR base")
    return check_configuration(
        _fetch_configuration(http, fhir_base, timeout=timeout, limits=limits),
        allow_http=allow_http
    )


def _fetch_configuration(
    http: requests.Session, fhir_base: str, *, timeout: float, limits: ReadLimits
) -> SmartConfiguration:
    url = f"{fhir_base}/.well-known/smart-configuration"
    try:
        return parse_smart_configuration(fhir_base, get_json(http, url, timeout=timeout,
                                                                   limits=limits))
    except DiscoveryError as first:
        log.info("smart-configuration unusable for %s (%s); trying metadata", fhir_base, first.code)
        try:
            statement = get_json(
                http, f"{fhir_base}/metadata", timeout=timeout, accept="application/fhir+json",
                limits=limits)
        except DiscoveryError as second:
            raise DiscoveryError(
                f"{fhir_base}: smart-configuration failed ({first.message}); "
                f"metadata failed ({second.message})",
                code="no_smart_configuration",
            ) from second
        return parse_capability_statement(fhir_base, statement)


def find_jwks_uri(
    http: requests.Session, config: SmartConfiguration, *, timeout: float,
    allow_http: bool = False, limits: ReadLimits = DEFAULT_LIMITS,
) -> str | None:
    """The issuer's JWKS URL: from smart-configuration, else the issuer's OpenID metadata."""
    if config.jwks_uri:
        return config.jwks_uri
    if not config.issuer:
        return None
    url = f"{config.issuer}/.well-known/openid-configuration"
    document = get_json(http, url, timeout=timeout, limits=limits)
    published = document.get("issuer")
    if isinstance(published, str) and published.rstrip("/") != config.issuer:
        raise DiscoveryError(
            f"{url} names issuer {published!r}, expected {config.issuer!r}", code="issuer_mismatch"
        )
    uri = resolve_endpoint(config.issuer, document.get("jwks_uri"))
    if uri is not None:
        check_secure(uri, fhir_base=config.fhir_base, allow_http=allow_http, what="jwks_uri")
    return uri


def fetch_jwks(http: requests.Session, jwks_uri: str, *, timeout: float,
               limits: ReadLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """GET a JWK Set and check its shape (``{"keys": [...]}``)."""
    document = get_json(http, jwks_uri, timeout=timeout, limits=limits)
    if not isinstance(document.get("keys"), list):
        raise DiscoveryError(f"{jwks_uri} is not a JWK Set", code="invalid_jwks")
    return document
