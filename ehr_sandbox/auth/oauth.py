"""authlib's Flask AuthorizationServer, fitted to the sandbox: settings, store, token issuer.

Split from server.py so that the HTTP views (views.py) can be handed the OAuth machinery they
drive without importing the AuthServer that composes both. authlib ships no type information,
so its base classes are `Any` to mypy: the `type: ignore[misc]` below say exactly that.
"""

from __future__ import annotations

from typing import Any

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc9207 import IssuerParameter

from ..settings import SandboxSettings
from .clients import SandboxClient
from .store import AuthStore
from .tokens import Subject, TokenIssuer


class HttpAllowedRequest(FlaskOAuth2Request):  # type: ignore[misc]  # authlib is untyped
    """authlib refuses plain http off loopback; the development EHR may run on http."""

    def __init__(self, request: flask.Request) -> None:
        url = request.url
        checked = "https://" + url.removeprefix("http://") if url.startswith("http://") else url
        OAuth2Request.__init__(self, request.method, checked, headers=request.headers)
        self.uri = request.url
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


class Issuer(IssuerParameter):  # type: ignore[misc]  # authlib is untyped
    """RFC 9207's `iss` on every authorization response, naming the sandbox's issuer."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer


class OAuthServer(AuthorizationServer):  # type: ignore[misc]  # authlib is untyped
    """authlib's Flask server, knowing the sandbox's settings, store and token issuer."""

    def __init__(self, settings: SandboxSettings, store: AuthStore, tokens: TokenIssuer,
                 clients: dict[str, SandboxClient]) -> None:
        super().__init__(query_client=clients.get, save_token=self._save)
        self.settings = settings
        self.store = store
        self.tokens = tokens
        self.issuer_parameter = Issuer(settings.issuer)

    def _save(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.tokens.persist(token, request.client.client_id, request.user)

    def create_oauth2_request(self, request: object) -> OAuth2Request:
        return HttpAllowedRequest(flask.request)

    def respond(self, grant: object, subject: Subject | None) -> flask.Response:
        """The redirect back to the client: a code for `subject`, or access_denied for None."""
        response: flask.Response = self.create_authorization_response(grant=grant,
                                                                      grant_user=subject)
        return response

    def add_issuer(self, response: flask.Response) -> flask.Response:
        """RFC 9207: every redirect back to the client names the issuer, errors included."""
        self.issuer_parameter.add_issuer_parameter(self, response)
        return response
