"""AuthServer: the sandbox's SMART authorization server, composed from authlib parts."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc9207 import IssuerParameter

from ..settings import SandboxSettings
from . import discovery
from .clients import (
    JwksCache,
    PrivateKeyJwtAssertion,
    SandboxClient,
    authenticate_client_secret_basic,
)
from .grants import (
    S256CodeChallenge,
    SmartAuthorizationCodeGrant,
    SmartClientCredentialsGrant,
    SmartRefreshTokenGrant,
)
from .scopes import AccessGrant
from .store import AuthStore, Launch
from .tokens import SigningKey, TokenIssuer

LAUNCH_LIFETIME = 3600


class Directory(Protocol):
    """Who and what the picker offers; implemented by the FHIR store side."""

    def patients(self) -> list[tuple[str, str]]: ...
    def practitioners(self) -> list[tuple[str, str]]: ...
    def encounters(self, patient_id: str) -> list[tuple[str, str]]: ...


class _HttpAllowedRequest(FlaskOAuth2Request):
    """authlib refuses plain http off loopback; the development EHR may run on http."""

    def __init__(self, request: flask.Request) -> None:
        url = request.url
        checked = "https://" + url.removeprefix("http://") if url.startswith("http://") else url
        OAuth2Request.__init__(self, request.method, checked, headers=request.headers)
        self.uri = request.url
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


class _Issuer(IssuerParameter):
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer


class OAuthServer(AuthorizationServer):
    """authlib's Flask server, knowing the sandbox's settings, store and token issuer."""

    def __init__(self, settings: SandboxSettings, store: AuthStore, tokens: TokenIssuer,
                 clients: dict[str, SandboxClient]) -> None:
        super().__init__(query_client=clients.get, save_token=self._save)
        self.settings = settings
        self.store = store
        self.tokens = tokens
        self.issuer_parameter = _Issuer(settings.issuer)

    def _save(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.tokens.persist(token, request.client.client_id, request.user)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return _HttpAllowedRequest(flask.request)

    def add_issuer(self, response: flask.Response) -> flask.Response:
        """RFC 9207: every redirect back to the client names the issuer, errors included."""
        self.issuer_parameter.add_issuer_parameter(self, response)
        return response


class AuthServer:
    """The sandbox's SMART authorization server: blueprint at /auth plus helpers.

    Storage: SQLite file `{settings.db_path}.auth` (tables prefixed auth_).
    `fetch_jwks` (optional) replaces the HTTP fetch of clients' jwks_uri, for tests.
    """

    def __init__(self, settings: SandboxSettings, directory: Directory, *,
                 fetch_jwks: Callable[[str], dict[str, Any]] | None = None) -> None:
        from .views import create_blueprint

        self.settings = settings
        self.directory = directory
        self.store = AuthStore(Path(f"{settings.db_path}.auth"))
        self.key = SigningKey(self.store)
        self.tokens = TokenIssuer(settings, self.store, self.key)
        clients = {c.client_id: SandboxClient(c) for c in settings.clients}
        self.oauth = OAuthServer(settings, self.store, self.tokens, clients)
        self.oauth.register_grant(SmartAuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.oauth.register_grant(SmartRefreshTokenGrant)
        self.oauth.register_grant(SmartClientCredentialsGrant)
        self.oauth.register_client_auth_method(
            "client_secret_basic", authenticate_client_secret_basic)
        self.oauth.register_client_auth_method("private_key_jwt", PrivateKeyJwtAssertion(
            discovery.endpoints(settings)["token_endpoint"], settings.clock, self.store,
            JwksCache(settings.clock, fetch_jwks)))
        self.oauth.register_extension(self.oauth.issuer_parameter)
        self.blueprint: flask.Blueprint = create_blueprint(self)

    def init_app(self, app: flask.Flask) -> None:
        self.oauth.init_app(app)
        self.oauth.register_token_generator("default", self.tokens.generate)
        app.register_blueprint(self.blueprint)

    def smart_configuration(self) -> dict[str, Any]:
        return discovery.smart_configuration(self.settings)

    def create_launch(self, patient: str, encounter: str | None, practitioner: str) -> str:
        launch_id = secrets.token_urlsafe(24)
        self.store.add_launch(Launch(launch_id, patient, encounter, practitioner,
                                     self.settings.clock() + LAUNCH_LIFETIME, used=False))
        return launch_id

    def verify_access_token(self, token: str) -> AccessGrant | None:
        return self.tokens.verify_access_token(token)
