"""A SMART authorization server and FHIR server written for the attack suite, on a
HostileServer: honest by default, and every answer can be replaced by the test.

Also `launch_with(client, ehr)`: begin a launch, play the user's consent (the code), and
complete it, the way the app does between /launch and /callback.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from smart_launch import ClientConfig, LaunchContext, PendingAuthorization, SmartClient

from .hostile import HostileServer, json_response

CLIENT_ID = "alliance-attack-suite"
REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: callbacks are played by the test
NEEDS = {"Patient": "r", "Encounter": "rs"}


class SmartEhr:
    """smart-configuration, token endpoint, JWKS and a FHIR base at `{url}/fhir`."""

    def __init__(self, server: HostileServer, *, openid: bool = True,
                 clock: Callable[[], float] = time.time) -> None:
        self.server = server
        self.clock = clock
        self.refreshes = 0
        self.key = RSAKey.generate_key(2048, parameters={"kid": "ehr-1"})
        self.code = "code-" + server.url.rsplit(":", 1)[1]
        self.nonce: str | None = None
        self.token_extra: dict[str, Any] = {}
        self.token_headers: dict[str, str] = {}
        self.challenge: str | None = None  # when set, the code is bound to it (PKCE S256)
        self.code_uses = 0
        self.config: dict[str, Any] = {
            "authorization_endpoint": f"{server.url}/authorize",
            "token_endpoint": f"{server.url}/token",
            "capabilities": ["launch-ehr", "client-public", "permission-v2"],
            "code_challenge_methods_supported": ["S256"],
        }
        if openid:
            self.config.update(issuer=server.url, jwks_uri=f"{server.url}/jwks")
        server.route("GET", "/fhir/.well-known/smart-configuration", lambda _r: (200, self.config))
        server.route("GET", "/jwks", lambda _r: (200, self.jwks()))
        server.route("POST", "/token", self._token)

    @property
    def iss(self) -> str:
        return f"{self.server.url}/fhir"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False, kid="ehr-1")]}

    def id_token(self, header: dict[str, Any] | None = None, key: Any = None,
                 **claims: Any) -> str:
        now = int(self.clock())
        body = {"iss": self.server.url, "sub": "u1", "aud": CLIENT_ID, "iat": now,
                "exp": now + 300, "nonce": self.nonce, "fhirUser": "Practitioner/p1", **claims}
        head = {"alg": "RS256", "kid": "ehr-1", **(header or {})}
        return jwt.encode(head, {k: v for k, v in body.items() if v is not None},
                          key or self.key, algorithms=[head["alg"]])

    def _token(self, request: Any) -> Any:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") != f"rt-{self.refreshes}":
                return 400, {"error": "invalid_grant"}
            self.refreshes += 1
            return json_response({"access_token": f"at-r{self.refreshes}", "token_type": "Bearer",
                                  "expires_in": 3600, "refresh_token": f"rt-{self.refreshes}",
                                  "scope": self.token_extra.get("scope", "launch")})
        if form.get("code") != self.code:
            return 400, {"error": "invalid_grant"}
        self.code_uses += 1
        if self.challenge is not None:
            if self.code_uses > 1 or s256(form.get("code_verifier", "")) != self.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        answer: dict[str, Any] = {
            "access_token": "at-" + self.code, "token_type": "Bearer", "expires_in": 3600,
            "scope": "launch openid fhirUser patient/Patient.r patient/Encounter.rs",
            "patient": "p1", "refresh_token": f"rt-{self.refreshes}",
        }
        if "issuer" in self.config:
            answer["id_token"] = self.id_token()
        answer.update(self.token_extra)
        return json_response({k: v for k, v in answer.items() if v is not None},
                             headers=self.token_headers)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def smart_client(http: requests.Session | None = None, *, discovery_ttl: float = 3600.0,
                 **config: Any) -> SmartClient:
    return SmartClient(ClientConfig(CLIENT_ID, REDIRECT, **config),
                       http=http or requests.Session(), timeout=5, discovery_ttl=discovery_ttl)


def begin(client: SmartClient, ehr: SmartEhr) -> tuple[str, PendingAuthorization]:
    url, pending = client.begin_launch(ehr.iss, launch="L1", needs=NEEDS)
    ehr.nonce = pending.nonce
    return url, pending


def launch_with(client: SmartClient, ehr: SmartEhr, **params: str) -> LaunchContext:
    _, pending = begin(client, ehr)
    return client.complete_launch(
        pending, {"code": ehr.code, "state": pending.state, **params})


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
