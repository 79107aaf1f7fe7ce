"""Minting and checking tokens: the sandbox signing key, access tokens, id_tokens, refresh.

Every time comes from settings.clock. Access tokens are RS256 JWTs whose jti is recorded, so
a token can be revoked (code replay, refresh token reuse) before it expires.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749.util import scope_to_list
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from ..settings import SandboxSettings
from .clients import SandboxClient
from .scopes import AccessGrant
from .store import AuthStore, RefreshRecord, digest

log = logging.getLogger(__name__)

OFFLINE_REFRESH_LIFETIME = 30 * 24 * 3600
ONLINE_REFRESH_LIFETIME = 12 * 3600
REFRESH_SCOPES = frozenset({"offline_access", "online_access"})


@dataclass(frozen=True)
class Subject:
    """The end user and launch context behind a user-facing grant. ``practitioner``: the
    signed-in practitioner's id, or ``Patient/<id>`` for a patient signed in to the portal."""

    practitioner: str
    patient: str | None = None
    encounter: str | None = None
    family: str = ""
    nonce: str | None = None


def new_signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, {"use": "sig", "alg": SigningKey.ALG}, auto_kid=True)


@functools.lru_cache(maxsize=16)
def _imported(jwk: str) -> RSAKey:
    """A stored key, imported once per process (the import checks the RSA numbers: ~60 ms)."""
    return RSAKey.import_key(json.loads(jwk))


class SigningKey:
    """The sandbox's RSA key: made on first start (by ``make``), then read back from the store."""

    ALG = "RS256"

    def __init__(self, store: AuthStore, make: Callable[[], RSAKey] = new_signing_key) -> None:
        def stored_form() -> str:
            return json.dumps(make().as_dict(private=True))

        self.key = _imported(store.load_or_create_key("signing", stored_form))
        self.kid = str(self.key.kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        header = {"alg": self.ALG, "kid": self.kid, "typ": typ}
        return jwt.encode(header, claims, self.key, algorithms=[self.ALG])

    def verify(self, token: str) -> dict[str, Any]:
        """Check the signature only; raises JoseError."""
        return dict(jwt.decode(token, self.key, algorithms=[self.ALG]).claims)


class TokenIssuer:
    def __init__(self, settings: SandboxSettings, store: AuthStore, key: SigningKey) -> None:
        self.settings = settings
        self.store = store
        self.key = key

    def fhir_user(self, practitioner: str) -> str:
        """The user's fhirUser: a Practitioner, or the Patient signed in to the portal."""
        if practitioner.startswith("Patient/"):
            return f"{self.settings.fhir_base}/{practitioner}"
        return f"{self.settings.fhir_base}/Practitioner/{practitioner}"

    def generate(self, grant_type: str, client: SandboxClient, user: Subject | None = None,
                 scope: str | None = None, expires_in: int | None = None,
                 include_refresh_token: bool = True) -> dict[str, Any]:
        """authlib's token generator signature; builds the whole SMART token response."""
        now = int(self.settings.clock())
        lifetime = self.settings.access_token_lifetime
        scopes = scope_to_list(scope) or []
        claims: dict[str, Any] = {
            "iss": self.settings.issuer, "aud": self.settings.fhir_base,
            "sub": user.practitioner if user else client.client_id,
            "client_id": client.client_id, "scope": scope or "",
            "iat": now, "exp": now + lifetime, "jti": secrets.token_urlsafe(16)}
        response: dict[str, Any] = {"token_type": "Bearer", "expires_in": lifetime,
                                    "scope": scope or ""}
        if user is not None:
            claims["fhirUser"] = self.fhir_user(user.practitioner)
            response.update(self._context(user, embedded="launch" in scopes))
            claims.update({k: response[k] for k in ("patient", "encounter") if k in response})
            if include_refresh_token and REFRESH_SCOPES & set(scopes):
                response["refresh_token"] = secrets.token_urlsafe(32)
            if "openid" in scopes:
                response["id_token"] = self._id_token(client.client_id, user, now)
        response["access_token"] = self.key.sign(claims, typ="at+jwt")
        return response

    def _context(self, user: Subject, *, embedded: bool) -> dict[str, Any]:
        """Launch context. An EHR launch (the `launch` scope) opens the app inside the chart,
        whose own banner names the patient, so the app need not; a standalone app must."""
        context: dict[str, Any] = {}
        if user.patient:
            context["patient"] = user.patient
            context["need_patient_banner"] = not embedded
            context["smart_style_url"] = f"{self.settings.issuer}/smart-style.json"
        if user.encounter:
            context["encounter"] = user.encounter
        return context

    def _id_token(self, client_id: str, user: Subject, now: int) -> str:
        claims: dict[str, Any] = {
            "iss": self.settings.issuer, "sub": user.practitioner, "aud": client_id,
            "iat": now, "exp": now + self.settings.access_token_lifetime,
            "fhirUser": self.fhir_user(user.practitioner)}
        if user.nonce:
            claims["nonce"] = user.nonce
        return self.key.sign(claims)

    def persist(self, token: dict[str, Any], client_id: str, user: Subject | None) -> None:
        """authlib's save_token: record the access token's jti and the refresh token's hash."""
        claims = self.key.verify(token["access_token"])
        family = user.family if user else None
        self.store.add_access_token(claims["jti"], family, client_id, claims["exp"])
        refresh = token.get("refresh_token")
        if refresh and user is not None:
            offline = "offline_access" in scope_to_list(token["scope"])
            lifetime = OFFLINE_REFRESH_LIFETIME if offline else ONLINE_REFRESH_LIFETIME
            self.store.add_refresh_token(RefreshRecord(
                token_hash=digest(refresh), family=user.family, client_id=client_id,
                scope=token["scope"], practitioner=user.practitioner, patient=user.patient,
                encounter=user.encounter, expires_at=self.settings.clock() + lifetime,
                used=False, revoked=False))

    def verify_access_token(self, token: str) -> AccessGrant | None:
        try:
            claims = self.key.verify(token)
            if claims.get("iss") != self.settings.issuer:
                return None
            expires_at = float(claims["exp"])
            if expires_at <= self.settings.clock() or not self.store.access_token_active(
                    str(claims["jti"])):
                return None
            return AccessGrant(
                client_id=str(claims["client_id"]), subject=str(claims["sub"]),
                fhir_user=claims.get("fhirUser"),
                scopes=frozenset(str(claims.get("scope", "")).split()),
                patient=claims.get("patient"), encounter=claims.get("encounter"),
                expires_at=expires_at)
        except (JoseError, KeyError, TypeError, ValueError) as err:
            log.info("access token refused: %s", type(err).__name__)
            return None
