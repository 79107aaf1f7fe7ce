"""Registered apps and how they authenticate at the token endpoint.

public: no secret (PKCE only). symmetric: client_secret_basic, read the way SMART words it,
base64(client_id:client_secret) with nothing URL-encoded. asymmetric: private_key_jwt signed
with RS384 or ES384, keys from the registration's `jwks` or fetched from its `jwks_uri`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import unquote

import requests
from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Request
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..settings import ClientRegistration
from .errors import ClientRegistrationError
from .store import AuthStore

log = logging.getLogger(__name__)

AUTH_METHODS = {"public": "none", "symmetric": "client_secret_basic",
                "asymmetric": "private_key_jwt"}
ASSERTION_ALGORITHMS = ("RS384", "ES384")
MAX_ASSERTION_LIFETIME = 300
JWKS_TIMEOUT_SECONDS = 5
JWKS_CACHE_SECONDS = 300


class SandboxClient:
    """An authlib client model over a ClientRegistration from the settings."""

    def __init__(self, registration: ClientRegistration) -> None:
        check_registration(registration)
        self.registration = registration
        self.client_id = registration.client_id
        self.auth_method = AUTH_METHODS[registration.kind]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # SMART: redirect_uri is always sent, and must match exactly

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Grant every requested scope except system/ ones, which need client_credentials."""
        granted = [s for s in scope_to_list(scope) or [] if not s.startswith("system/")]
        return " ".join(granted) if granted else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.registration.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        secret = self.registration.secret
        if not secret:
            return False
        return hmac.compare_digest(secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "client_credentials":
            return self.registration.kind == "asymmetric"
        return grant_type in ("authorization_code", "refresh_token")


def check_registration(registration: ClientRegistration) -> None:
    """Refuse at start-up a registration that could never authenticate."""
    name = f"settings.clients[{registration.client_id!r}]"
    if registration.kind not in AUTH_METHODS:
        raise ClientRegistrationError(
            f"{name}.kind is {registration.kind!r}; use one of {sorted(AUTH_METHODS)}")
    if registration.kind == "symmetric" and not registration.secret:
        raise ClientRegistrationError(f"{name}: a symmetric client needs a secret")
    if registration.kind == "asymmetric" and not (registration.jwks or registration.jwks_uri):
        raise ClientRegistrationError(f"{name}: an asymmetric client needs jwks or jwks_uri")


def authenticate_client_secret_basic(query_client: Callable[[str], SandboxClient | None],
                                     request: OAuth2Request) -> SandboxClient | None:
    """HTTP Basic with the raw client_id:client_secret (':' and '%' kept as they are).

    A header that was URL-encoded first (RFC 6749 section 2.3.1) is accepted as well.
    """
    kind, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not secret:
        return None
    for candidate_id, candidate_secret in ((client_id, secret), (unquote(client_id),
                                                                  unquote(secret))):
        client = query_client(candidate_id)
        if client is not None and client.check_client_secret(candidate_secret):
            return client
    raise InvalidClientError(status_code=401, description="Client authentication failed.")


class JwksCache:
    """Client key sets fetched from jwks_uri, kept for a few minutes (settings.clock)."""

    def __init__(self, clock: Callable[[], float],
                 fetch: Callable[[str], dict[str, Any]] | None = None) -> None:
        self.clock = clock
        self.fetch = fetch or fetch_jwks
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, uri: str) -> dict[str, Any]:
        cached = self._cache.get(uri)
        if cached and cached[0] > self.clock():
            return cached[1]
        jwks = self.fetch(uri)
        self._cache[uri] = (self.clock() + JWKS_CACHE_SECONDS, jwks)
        return jwks


def fetch_jwks(uri: str) -> dict[str, Any]:
    response = requests.get(uri, timeout=JWKS_TIMEOUT_SECONDS)
    response.raise_for_status()
    jwks: dict[str, Any] = response.json()
    return jwks


class PrivateKeyJwtAssertion(JWTBearerClientAssertion):  # type: ignore[misc]  # authlib is untyped
    """private_key_jwt per SMART Backend Services / asymmetric client authentication."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, token_url: str, clock: Callable[[], float], store: AuthStore,
                 jwks_cache: JwksCache) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.token_url = None  # authlib's deprecated knob; audiences come from get_audiences
        self._audience = token_url
        self.clock = clock
        self.store = store
        self.jwks_cache = jwks_cache

    def get_audiences(self) -> list[str]:
        return [self._audience]

    def resolve_client_public_key(self, client: SandboxClient) -> KeySet:
        registration = client.registration
        try:
            if registration.jwks:
                return KeySet.import_key_set(cast(Any, registration.jwks))
            if registration.jwks_uri:
                return KeySet.import_key_set(cast(Any, self.jwks_cache.get(registration.jwks_uri)))
        except (requests.RequestException, ValueError, JoseError) as err:
            log.warning("client %s: cannot load keys: %s", client.client_id, type(err).__name__)
            raise InvalidClientError(description="The client's keys cannot be loaded.") from err
        raise InvalidClientError(description="The client has no registered keys.")

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGORITHMS))
        except JoseError as err:
            raise InvalidClientError(description=describe(err)) from err
        self.verify_claims(dict(token.claims))
        return dict(token.claims)

    def verify_claims(self, claims: dict[str, Any]) -> None:
        now = self.clock()
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(now), leeway=self.leeway, iss={"essential": True},
            sub={"essential": True}, exp={"essential": True}, jti={"essential": True},
            aud={"essential": True, "values": self.get_audiences()})
        try:
            registry.validate(claims)
        except JoseError as err:
            raise InvalidClientError(description=describe(err)) from err
        if claims["iss"] != claims["sub"]:
            raise InvalidClientError(description="Assertion iss and sub must both be client_id.")
        if claims["exp"] > now + MAX_ASSERTION_LIFETIME:
            raise InvalidClientError(description="Assertion exp is more than 5 minutes ahead.")
        if not self.store.remember_assertion_jti(claims["sub"], str(claims["jti"]),
                                                 float(claims["exp"]), now):
            raise InvalidClientError(description="Assertion jti was used before.")


def describe(err: JoseError) -> str:
    """The JOSE failure as an error_description (RFC 6749 forbids '"' and '\\')."""
    detail = str(err.description or err.error).replace('"', "'").replace("\\", "/")
    text = f"The client assertion is not valid: {detail}"
    return "".join(ch for ch in text if 0x20 <= ord(ch) <= 0x7E)
