"""SmartClient: the one object the app uses. It wires the pure protocol modules to an
injected requests.Session and clock, and caches discovery, JWKS and backend tokens.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import requests

from .authorize import (
    PENDING_LIFETIME,
    PendingAuthorization,
    build_authorization_url,
    validate_callback,
)
from .cache import TtlCache
from .client_auth import token_endpoint_auth
from .config import ClientConfig, validate_config
from .context import LaunchContext, build_launch_context, refreshed_context
from .discovery import (
    SmartConfiguration,
    fetch_configuration,
    fetch_jwks,
    find_jwks_uri,
    normalize_iss,
)
from .errors import (
    ConfigurationError,
    DiscoveryError,
    IdTokenError,
    StateError,
    TokenRequestError,
)
from .id_token import fhir_user_from_claims, validate_id_token
from .keys import SigningKey, load_signing_key, public_jwks
from .limits import DEFAULT_LIMITS, ReadLimits
from .pkce import generate_code_verifier, generate_token
from .replay import OneTimeValues
from .scopes import STANDALONE_LAUNCH_SCOPES, build_scope_list
from .token import TokenSet, parse_token_response, request_token
from .transport import harden_session

__all__ = ["KeySource", "SmartClient"]

log = logging.getLogger(__name__)

BACKEND_TOKEN_MARGIN = 60.0  # a cached backend token is renewed this long before expiry
SPENT_REFRESH_MEMORY = 30 * 24 * 3600.0  # how long a rotated-out refresh token is refused
ID_TOKEN_SCOPES = ("openid", "fhirUser", "profile")


class KeySource(Protocol):
    """Rotating signing keys (smart_launch.keystore.KeyStore, or a KeyRing wrapper)."""

    def signing_key(self, now: float) -> SigningKey: ...

    def published(self, now: float) -> list[SigningKey]: ...


class SmartClient:
    """A SMART App Launch 2.x client for one registered app (see ClientConfig)."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        discovery_ttl: float = 3600.0,
        timeout: float = 10.0,
        keys: KeySource | None = None,
        limits: ReadLimits = DEFAULT_LIMITS,
    ) -> None:
        """``timeout`` bounds each read; ``limits`` every answer (its bytes, its depth and a
        deadline for the whole request)."""
        validate_config(config)
        self.config = config
        self._signing_key: SigningKey | None = None
        self._keys = keys
        if config.private_key_pem is not None:
            self._signing_key = load_signing_key(
                config.private_key_pem, config.private_key_alg, config.key_id
            )
        if keys is not None and (self._signing_key or config.client_secret):
            raise ConfigurationError(
                "give either a key source or one private key, not both",
                code="ambiguous_client_auth")
        self._auth = token_endpoint_auth(
            config.client_id,
            client_secret=config.client_secret,
            signing_key=keys.signing_key if keys is not None else self._signing_key,
            clock=clock,
        )
        # One session for every launch, so its cookie jar is switched off and it follows no
        # redirect (see transport.harden_session).
        self._http = harden_session(http if http is not None else requests.Session())
        self._clock = clock
        self._timeout = timeout
        self.limits = limits
        self._configs: TtlCache[str, SmartConfiguration] = TtlCache(discovery_ttl, clock)
        self._jwks: TtlCache[str, dict[str, Any]] = TtlCache(discovery_ttl, clock)
        self._backend: TtlCache[tuple[str, str], TokenSet] = TtlCache(discovery_ttl, clock)
        self._spent_refresh_tokens = OneTimeValues(SPENT_REFRESH_MEMORY, clock)
        self._used_states = OneTimeValues(PENDING_LIFETIME, clock)

    # discovery -----------------------------------------------------------------------

    def discover(self, iss: str) -> SmartConfiguration:
        """The server's SMART configuration, cached per FHIR base for ``discovery_ttl``."""
        base = normalize_iss(iss)
        cached = self._configs.get(base)
        if cached is not None:
            return cached
        config = fetch_configuration(
            self._http, base, timeout=self._timeout, allow_http=self.config.allow_http,
            limits=self.limits)
        log.info("discovered %s via %s", base, config.source)
        self._configs.put(base, config)
        return config

    def _issuer_jwks(self, config: SmartConfiguration, *, reload: bool = False) -> dict[str, Any]:
        key = config.issuer or config.fhir_base
        cached = None if reload else self._jwks.get(key)
        if cached is not None:
            return cached
        uri = find_jwks_uri(
            self._http, config, timeout=self._timeout, allow_http=self.config.allow_http,
            limits=self.limits)
        if uri is None:
            raise DiscoveryError(f"{config.fhir_base} publishes no jwks_uri", code="no_jwks_uri")
        jwks = fetch_jwks(self._http, uri, timeout=self._timeout, limits=self.limits)
        self._jwks.put(key, jwks)
        return jwks

    # EHR and standalone launch ---------------------------------------------------------

    def begin_launch(
        self,
        iss: str,
        *,
        launch: str | None,
        needs: Mapping[str, str],
        extra_scopes: Sequence[str] = ("openid", "fhirUser", "offline_access"),
        scope_syntax: str = "auto",
        standalone_scopes: Sequence[str] = STANDALONE_LAUNCH_SCOPES,
    ) -> tuple[str, PendingAuthorization]:
        """The authorize URL to redirect to, and what to keep until the user returns.

        ``launch`` given -> EHR launch; None -> standalone launch. ``scope_syntax`` "auto"
        follows discovery (v2 with ``permission-v2``); "v1" or "v2" overrides it, for servers
        that claim one syntax and serve the other.
        """
        if scope_syntax not in ("auto", "v1", "v2"):
            raise ConfigurationError(f"scope_syntax must be auto, v1 or v2, not {scope_syntax!r}",
                                     code="invalid_scope_syntax")
        config = self.discover(iss)
        if config.authorization_endpoint is None:
            raise DiscoveryError(
                f"{config.fhir_base} has no authorization_endpoint",
                code="no_authorization_endpoint"
            )
        if launch is not None and not launch.strip():
            raise ConfigurationError("EHR launch without a launch value", code="missing_launch")
        extras = list(extra_scopes)
        if not config.issuer and any(s in ID_TOKEN_SCOPES for s in extras):
            log.info("%s publishes no issuer; not asking for an id_token", config.fhir_base)
            extras = [s for s in extras if s not in ID_TOKEN_SCOPES]
        v2 = config.supports_v2 if scope_syntax == "auto" else scope_syntax == "v2"
        scopes = build_scope_list(needs, v2=v2, ehr_launch=launch is not None, extra=extras,
                                  standalone=standalone_scopes)
        pending = PendingAuthorization(
            state=generate_token(),
            code_verifier=generate_code_verifier(),
            nonce=generate_token() if "openid" in scopes else None,
            iss=config.fhir_base,
            issuer=config.issuer,
            authorization_endpoint=config.authorization_endpoint,
            token_endpoint=config.token_endpoint,
            client_id=self.config.client_id,
            redirect_uri=self.config.redirect_uri,
            scope=" ".join(scopes),
            launch=launch,
            created_at=self._clock(),
            iss_required=config.requires_iss_parameter,
        )
        return build_authorization_url(pending), pending

    def complete_launch(
        self, pending: PendingAuthorization, params: Mapping[str, str]
    ) -> LaunchContext:
        """Check the redirect back, exchange the code, validate the id_token."""
        code = validate_callback(pending, params, now=self._clock())
        if not self._used_states.claim(pending.state):  # single use, even if replayed
            raise StateError("this authorization response was already used", code="state_reused")
        body = self._token_request(
            pending.token_endpoint,
            "authorization_code",
            {"code": code, "redirect_uri": pending.redirect_uri,
             "code_verifier": pending.code_verifier},
        )
        tokens = parse_token_response(body, now=self._clock(), requested_scope=pending.scope)
        fhir_user = None
        if pending.nonce is not None and tokens.id_token is not None:
            claims = self._check_id_token(pending.iss, tokens.id_token, pending.nonce)
            fhir_user = fhir_user_from_claims(claims)
        elif tokens.id_token is not None:
            tokens = dataclasses.replace(tokens, id_token=None)  # not asked for, not verified
        log.info("launch completed for %s", pending.iss)
        return build_launch_context(
            tokens, iss=pending.iss, token_endpoint=pending.token_endpoint,
            issuer=pending.issuer, fhir_user=fhir_user,
        )

    def _check_id_token(self, iss: str, id_token: str, nonce: str | None) -> dict[str, Any]:
        config = self.discover(iss)
        if not config.issuer:
            raise IdTokenError(f"{iss} publishes no issuer to check against", code="issuer_unknown")

        def check(jwks: dict[str, Any]) -> dict[str, Any]:
            return validate_id_token(
                id_token, jwks, issuer=str(config.issuer), client_id=self.config.client_id,
                nonce=nonce, now=self._clock(),
            )

        try:
            return check(self._issuer_jwks(config))
        except IdTokenError as err:
            if err.code != "unknown_key":
                raise
            log.info("kid not in cached JWKS of %s; reloading once", config.issuer)
            return check(self._issuer_jwks(config, reload=True))

    # refresh -----------------------------------------------------------------------------

    def refresh(self, context: LaunchContext) -> LaunchContext:
        """New tokens for ``context``. A rotated-out refresh token is never sent again."""
        old = context.refresh_token
        if not old:
            raise TokenRequestError("this launch has no refresh token", code="no_refresh_token")
        if not self._spent_refresh_tokens.claim(old):  # claimed while in flight
            raise TokenRequestError(
                "this refresh token was already exchanged", code="refresh_token_reused"
            )
        try:
            body = self._token_request(
                context.token_endpoint, "refresh_token", {"refresh_token": old}
            )
            tokens = parse_token_response(
                body, now=self._clock(), requested_scope=str(context.scopes)
            )
        except Exception:
            self._spent_refresh_tokens.release(old)
            raise
        if not tokens.refresh_token or tokens.refresh_token == old:
            self._spent_refresh_tokens.release(old)  # not rotated: the old one stays valid
        fhir_user = None
        if tokens.id_token is not None and tokens.id_token != context.id_token:
            if context.issuer:
                claims = self._check_id_token(context.iss, tokens.id_token, None)
                fhir_user = fhir_user_from_claims(claims)
            else:
                tokens = dataclasses.replace(tokens, id_token=None)
        log.info("refreshed tokens for %s", context.iss)
        return refreshed_context(context, tokens, fhir_user=fhir_user)

    # backend services --------------------------------------------------------------------

    def backend_token(self, iss: str, scopes: Sequence[str]) -> TokenSet:
        """client_credentials with private_key_jwt; cached until shortly before expiry."""
        if self._signing_key is None and self._keys is None:
            raise ConfigurationError(
                "backend services need private_key_pem", code="backend_needs_private_key"
            )
        base = normalize_iss(iss)
        scope = " ".join(scopes)
        cached = self._backend.get((base, scope))
        if cached is not None and not cached.is_expired(self._clock(), BACKEND_TOKEN_MARGIN):
            return cached
        config = self.discover(base)
        body = self._token_request(
            config.token_endpoint, "client_credentials", {"scope": scope} if scope else {}
        )
        tokens = parse_token_response(body, now=self._clock(), requested_scope=scope)
        lifetime = tokens.expires_at - self._clock() - BACKEND_TOKEN_MARGIN
        if lifetime > 0:
            self._backend.put((base, scope), tokens, lifetime)
        return tokens

    def public_jwks(self) -> dict[str, Any]:
        """The app's public JWK Set to serve at its jwks_uri (empty without a key)."""
        if self._keys is not None:
            return public_jwks(self._keys.published(self._clock()))
        return public_jwks([self._signing_key] if self._signing_key else [])

    def _token_request(
        self, endpoint: str, grant_type: str, params: Mapping[str, str]
    ) -> dict[str, Any]:
        return request_token(
            self._http, endpoint, client_id=self.config.client_id, auth=self._auth,
            grant_type=grant_type, params=params, timeout=self._timeout, limits=self.limits,
        )
