"""The SMART grants on top of authlib: authorization code (+PKCE S256), refresh, client creds.

Authorization codes live two minutes and work once; a replayed code revokes every token that
came from it. Refresh tokens rotate; presenting a spent one revokes the whole family.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    grants,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge

from .store import CodeRecord, RefreshRecord, digest
from .tokens import Subject

log = logging.getLogger(__name__)

CODE_LIFETIME = 120
USER_AUTH_METHODS = ["private_key_jwt", "client_secret_basic", "none"]


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]  # authlib is untyped
    """PKCE for every client, S256 only (SMART App Launch 2)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class SmartAuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]  # authlib is untyped
    TOKEN_ENDPOINT_AUTH_METHODS = USER_AUTH_METHODS

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        data = self.request.payload.data
        settings, store = self.server.settings, self.server.store
        if data.get("aud") != settings.fhir_base:
            raise InvalidRequestError(f"aud must be {settings.fhir_base}.",
                                      redirect_uri=redirect_uri)
        launch_id = data.get("launch")
        if launch_id:
            launch = store.get_launch(launch_id)
            if launch is None or launch.used or launch.expires_at <= settings.clock():
                raise InvalidRequestError("Unknown, used or expired launch.",
                                          redirect_uri=redirect_uri)
        return redirect_uri

    def create_authorization_response(self, redirect_uri: str, grant_user: Any) -> Any:
        self.redirect_uri = redirect_uri
        return super().create_authorization_response(redirect_uri, grant_user)

    def save_authorization_code(self, code: str, request: Any) -> None:
        settings, store = self.server.settings, self.server.store
        now = settings.clock()
        subject: Subject = request.user
        data = request.payload.data
        launch_id = data.get("launch")
        if launch_id and not store.consume_launch(launch_id, now):
            raise InvalidRequestError("Launch already used.", redirect_uri=self.redirect_uri)
        store.add_code(CodeRecord(
            code_hash=digest(code), family=secrets.token_hex(16),
            client_id=request.client.client_id, redirect_uri=request.payload.redirect_uri,
            scope=request.scope, practitioner=subject.practitioner, patient=subject.patient,
            encounter=subject.encounter, nonce=data.get("nonce"),
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            expires_at=now + CODE_LIFETIME, used=False))

    def query_authorization_code(self, code: str, client: Any) -> CodeRecord | None:
        record: CodeRecord | None = self.server.store.get_code(code)
        if record is None or record.client_id != client.client_id:
            return None
        if record.used:
            log.warning("authorization code replayed by %s; revoking its tokens",
                        client.client_id)
            self.server.store.revoke_family(record.family)
            return None
        if record.expires_at <= self.server.settings.clock():
            return None
        return record

    def delete_authorization_code(self, authorization_code: CodeRecord) -> None:
        if not self.server.store.consume_code(authorization_code.code_hash):
            self.server.store.revoke_family(authorization_code.family)
            raise InvalidGrantError("Authorization code already used.")

    def authenticate_user(self, authorization_code: CodeRecord) -> Subject:
        record = authorization_code
        return Subject(record.practitioner, record.patient, record.encounter,
                       family=record.family, nonce=record.nonce)


class SmartRefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]  # authlib is untyped
    TOKEN_ENDPOINT_AUTH_METHODS = USER_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        record: RefreshRecord | None = self.server.store.get_refresh_token(refresh_token)
        if record is None:
            return None
        if record.used or record.revoked:
            log.warning("spent refresh token presented by %s; revoking its family",
                        record.client_id)
            self.server.store.revoke_family(record.family)
            return None
        if record.expires_at <= self.server.settings.clock():
            return None
        return record

    def authenticate_user(self, refresh_token: RefreshRecord) -> Subject:
        record = refresh_token
        return Subject(record.practitioner, record.patient, record.encounter,
                       family=record.family)

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        if not self.server.store.consume_refresh_token(refresh_token.token_hash):
            self.server.store.revoke_family(refresh_token.family)
            raise InvalidGrantError("Refresh token already used.")


class SmartClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]  # authlib is untyped
    """SMART Backend Services: asymmetric clients, system/ scopes, no refresh token."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        scopes = scope_to_list(self.request.payload.scope) or []
        if not scopes or not all(s.startswith("system/") for s in scopes):
            raise InvalidScopeError("client_credentials grants system/ scopes only.")
