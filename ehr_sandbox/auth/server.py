"""AuthServer: the sandbox's SMART authorization server, composed from authlib parts.

It composes the OAuth machinery (oauth.py, grants.py, clients.py, tokens.py) and, when attached
to an app, the HTTP views (views.py); none of those imports this module.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
from joserfc.jwk import RSAKey

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
from .oauth import OAuthServer
from .scopes import AccessGrant
from .store import AuthStore, Launch
from .tokens import SigningKey, TokenIssuer, new_signing_key
from .views import Directory, create_blueprint

LAUNCH_LIFETIME = 3600


class AuthServer:
    """The sandbox's SMART authorization server: blueprint at /auth plus helpers.

    Storage: SQLite file `{settings.db_path}.auth` (tables prefixed auth_).
    `fetch_jwks` (optional) replaces the HTTP fetch of clients' jwks_uri, and `make_key` the
    making of the signing key on first start, for tests.
    """

    def __init__(self, settings: SandboxSettings, directory: Directory, *,
                 fetch_jwks: Callable[[str], dict[str, Any]] | None = None,
                 make_key: Callable[[], RSAKey] = new_signing_key) -> None:
        self.settings = settings
        self.directory = directory
        self.store = AuthStore(Path(f"{settings.db_path}.auth"))
        self.key = SigningKey(self.store, make_key)
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

    def init_app(self, app: flask.Flask) -> None:
        """Attach to the app the sandbox's factory builds: authlib, then the /auth views."""
        self.oauth.init_app(app)
        self.oauth.register_token_generator("default", self.tokens.generate)
        app.register_blueprint(create_blueprint(self.oauth, self.directory, self.key.jwks))

    def smart_configuration(self) -> dict[str, Any]:
        return discovery.smart_configuration(self.settings)

    def create_launch(self, patient: str, encounter: str | None, practitioner: str) -> str:
        launch_id = secrets.token_urlsafe(24)
        self.store.add_launch(Launch(launch_id, patient, encounter, practitioner,
                                     self.settings.clock() + LAUNCH_LIFETIME, used=False))
        return launch_id

    def verify_access_token(self, token: str) -> AccessGrant | None:
        return self.tokens.verify_access_token(token)
