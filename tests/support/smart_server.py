"""The one fake SMART authorization server of the unit and attack tests.

`SmartServer` answers SMART discovery (and OpenID discovery when it speaks OpenID), its JWKS,
authorize (a redirect back with the code) and token (authorization code with PKCE S256, refresh
with rotation, client credentials), and signs real RS256 id_tokens. It is honest by default;
a test tampers with any answer through `config`, `context`, `user`, `token_extra` and
`token_headers`, or replaces a route in the binding it was served on.

It knows no transport. Two thin bindings serve it (tests/support/smart_bindings.py): on the
suite's fake transport (`on_transport`, for smart_launch) and on a HostileServer's real local
socket (`on_socket`, for the attack suite). Every path below is relative to `origin`; the FHIR
base (`iss`) is `{origin}/fhir`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt

from tests.support.signing_keys import rsa_key

CLIENT_ID = "alliance-panel"
KID = "srv-1"

Reply = tuple[int, Any, dict[str, str]]
# (method, path) -> the name of the SmartServer method that answers it
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/fhir/.well-known/smart-configuration"): "smart_configuration",
    ("GET", "/.well-known/openid-configuration"): "openid_configuration",
    ("GET", "/jwks"): "jwks_answer",
    ("GET", "/auth/authorize"): "authorize",
    ("POST", "/token"): "token",
}


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of `verifier`."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _clean(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if v is not None}


class SmartServer:
    """A SMART authorization server at `origin`, with a real RSA signing key."""

    def __init__(self, origin: str, *, clock: Callable[[], float] = time.time,
                 openid: bool = True, v2: bool = True, client_id: str = CLIENT_ID) -> None:
        self.origin = origin
        self.server: Any = None  # what serves it (a HostileServer, a FakeTransport): its binding
        self.clock = clock
        self.client_id = client_id
        self.key = rsa_key({"kid": KID})  # a pooled key: tests/support/signing_keys.py
        self.code = "code-" + secrets.token_hex(6)  # distinct per server, easy to find in logs
        self.nonce: str | None = None  # put in the id_token; authorize records the request's
        self.challenge: str | None = None  # when set, the code is bound to it (PKCE S256)
        self.code_uses = 0
        self.refreshes = 0
        self.current_refresh = "rt-1"
        self.issued: list[str] = []  # every access and refresh token handed out, in order
        self.user: dict[str, Any] = {"sub": "u1", "fhirUser": "Practitioner/p1"}
        self.context: dict[str, Any] = {  # the launch context a code grant answers with
            "patient": "p1",
            "scope": "launch openid fhirUser patient/Patient.r patient/Encounter.rs",
        }
        self.token_extra: dict[str, Any] = {}  # merged last into every token answer; None drops
        self.token_headers: dict[str, str] = {}
        capabilities = ["launch-ehr", "launch-standalone", "client-public",
                        "client-confidential-symmetric", "context-ehr-patient"]
        self.config: dict[str, Any] = {
            "authorization_endpoint": f"{origin}/auth/authorize",
            "token_endpoint": f"{origin}/token",
            "capabilities": capabilities + (["permission-v2"] if v2 else []),
            "code_challenge_methods_supported": ["S256"],
        }
        if openid:
            self.config.update(issuer=origin, jwks_uri=f"{origin}/jwks",
                               scopes_supported=["openid", "fhirUser", "launch"])
            capabilities.append("sso-openid-connect")

    @property
    def iss(self) -> str:
        """The FHIR base a launch names."""
        return f"{self.origin}/fhir"

    # -- what it answers ----------------------------------------------------------------------

    def answer(self, method: str, path: str, params: dict[str, str]) -> Reply | None:
        """The reply to a request, or None for a path it does not serve. `params` are the
        query's (GET) or the form's (POST)."""
        name = ROUTES.get((method, path))
        if name is None:
            return None
        reply: Reply = getattr(self, name)(params)
        return reply

    def smart_configuration(self, _params: dict[str, str]) -> Reply:
        return 200, self.config, {}

    def openid_configuration(self, _params: dict[str, str]) -> Reply:
        if "issuer" not in self.config:
            return 404, {"error": "not_found"}, {}
        return 200, {"issuer": self.origin, "jwks_uri": f"{self.origin}/jwks"}, {}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False, kid=KID)]}

    def jwks_answer(self, _params: dict[str, str]) -> Reply:
        return 200, self.jwks(), {}

    def authorize(self, params: dict[str, str]) -> Reply:
        """The user consents at once: a redirect back with the code, bound to the request's
        PKCE challenge and nonce."""
        self.nonce = params.get("nonce")
        self.challenge = params.get("code_challenge")
        self.code_uses = 0
        back = {"code": self.code, "state": params.get("state", "")}
        if self.config.get("authorization_response_iss_parameter_supported"):
            back["iss"] = self.origin
        location = f"{params.get('redirect_uri', '')}?{urlencode(back)}"
        return 302, "", {"Location": location}

    def token(self, form: dict[str, str]) -> Reply:
        grant = form.get("grant_type")
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == "client_credentials":
            answer: dict[str, Any] = {
                "access_token": f"backend-{self._backend_tokens() + 1}", "token_type": "Bearer",
                "expires_in": 300, "scope": form.get("scope")}
        elif grant == "authorization_code":
            if form.get("code") != self.code:
                return 400, {"error": "invalid_grant", "error_description": "code is not valid"}, {}
            self.code_uses += 1
            if self.challenge is not None and (
                    self.code_uses > 1 or s256(form.get("code_verifier", "")) != self.challenge):
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}, {}
            answer = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
                      "refresh_token": self.current_refresh, **self.context}
            if "issuer" in self.config:
                answer["id_token"] = self.id_token()
        else:
            return 400, {"error": "unsupported_grant_type"}, {}
        return self._issue(answer)

    def _backend_tokens(self) -> int:
        return sum(1 for token in self.issued if token.startswith("backend-"))

    def _refresh(self, form: dict[str, str]) -> Reply:
        if form.get("refresh_token") != self.current_refresh:
            return 400, {"error": "invalid_grant", "error_description": "refresh token spent"}, {}
        self.refreshes += 1
        self.current_refresh = f"rt-{self.refreshes + 1}"
        return self._issue({"access_token": f"at-{self.refreshes + 1}", "token_type": "bearer",
                            "expires_in": 3600, "refresh_token": self.current_refresh})

    def _issue(self, answer: dict[str, Any]) -> Reply:
        answer = _clean({**answer, **self.token_extra})
        self.issued += [answer[k] for k in ("access_token", "refresh_token") if k in answer]
        return 200, answer, dict(self.token_headers)

    # -- what it signs ------------------------------------------------------------------------

    def id_token(self, header: dict[str, Any] | None = None, key: Any = None,
                 **claims: Any) -> str:
        """A signed id_token for `user`; `claims` override (None drops one), `header` and
        `key` let a test forge."""
        now = int(self.clock())
        body = {"iss": self.origin, "aud": self.client_id, "iat": now, "exp": now + 300,
                "nonce": self.nonce, **self.user, **claims}
        head = {"alg": "RS256", "kid": KID, **(header or {})}
        return jwt.encode(head, _clean(body), key or self.key, algorithms=[head["alg"]])
