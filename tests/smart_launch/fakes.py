"""A fake EHR authorization server that signs real JWTs, behind the suite's one fake transport
(tests/support/fake_http.py), and the helpers the smart_launch tests share."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from smart_launch import ClientConfig, LaunchContext, SmartClient
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport

ISS = "https://ehr.example.org/fhir"
ISSUER = "https://ehr.example.org"
AUTHORIZE = "https://ehr.example.org/fhir/auth/authorize"
TOKEN = "https://ehr.example.org/oauth/token"
JWKS = "https://ehr.example.org/jwks.json"
CLIENT_ID = "alliance-panel"
REDIRECT = "https://app.example.org/launch/callback"
T0 = 1_795_000_000.0  # late November 2026
NEEDS = {"Patient": "r", "Encounter": "rs", "QuestionnaireResponse": "cruds"}




class FakeEHR:
    """A SMART authorization server behind FakeTransport, with a real RSA signing key."""

    def __init__(self, transport: FakeTransport, clock: FakeClock, *, v2: bool = True) -> None:
        self.transport = transport
        self.clock = clock
        self.key = RSAKey.generate_key(2048, parameters={"kid": "srv-1"})
        self.nonce: str | None = None
        self.code = "auth-code-1"
        self.refresh_serial = 1
        self.current_refresh = "rt-1"
        self.token_extra: dict[str, Any] = {}
        self.smart_config: dict[str, Any] = {
            "issuer": ISSUER,
            "authorization_endpoint": "auth/authorize",  # relative to the FHIR base
            "token_endpoint": "/oauth/token",  # relative to the host
            "jwks_uri": JWKS,
            "capabilities": ["launch-ehr", "launch-standalone", "client-public",
                             "client-confidential-symmetric", "context-ehr-patient",
                             "sso-openid-connect"] + (["permission-v2"] if v2 else []),
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "fhirUser", "launch"],
        }
        transport.add("GET", f"{ISS}/.well-known/smart-configuration",
                      lambda _r: (200, self.smart_config))
        transport.add("GET", JWKS, lambda _r: (200, self.jwks()))
        transport.add("POST", TOKEN, self.token_endpoint)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False, kid="srv-1")]}

    def id_token(self, key: RSAKey | None = None, alg: str = "RS256", **claims: Any) -> str:
        body: dict[str, Any] = {
            "iss": ISSUER, "sub": "u-1", "aud": CLIENT_ID, "iat": int(self.clock()),
            "exp": int(self.clock()) + 300, "fhirUser": "Practitioner/pr-7",
        }
        if self.nonce is not None:
            body["nonce"] = self.nonce
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode({"alg": alg, "kid": "srv-1"}, body, key or self.key, algorithms=[alg])

    def token_endpoint(self, request: requests.PreparedRequest) -> tuple[int, Any]:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        form = {k: v[0] for k, v in parse_qs(body).items()}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("code") != self.code:
                return 400, {"error": "invalid_grant", "error_description": "code is not valid"}
            answer = {
                "access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
                "refresh_token": self.current_refresh, "id_token": self.id_token(),
                "scope": "launch openid fhirUser offline_access patient/Patient.r "
                         "patient/Encounter.rs patient/QuestionnaireResponse.cruds",
                "patient": "pat-123", "encounter": "enc-456", "need_patient_banner": False,
                "smart_style_url": "https://ehr.example.org/style.json", "tenant": "t-1",
                "intent": "record-alliance",
                "fhirContext": [{"reference": "Encounter/enc-456"}, {"type": "Questionnaire"}],
            }
        elif grant == "refresh_token":
            if form.get("refresh_token") != self.current_refresh:
                return 400, {"error": "invalid_grant", "error_description": "refresh token spent"}
            self.refresh_serial += 1
            self.current_refresh = f"rt-{self.refresh_serial}"
            answer = {"access_token": f"at-{self.refresh_serial}", "token_type": "bearer",
                      "expires_in": 3600, "refresh_token": self.current_refresh}
        elif grant == "client_credentials":
            answer = {"access_token": f"backend-{len(self.transport.calls('POST', TOKEN))}",
                      "token_type": "Bearer", "expires_in": 300, "scope": form.get("scope")}
        else:
            return 400, {"error": "unsupported_grant_type"}
        answer.update(self.token_extra)
        return 200, {k: v for k, v in answer.items() if v is not None}


def make_client(
    http: requests.Session, clock: FakeClock, **config: Any
) -> SmartClient:
    settings: dict[str, Any] = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT}
    settings.update(config)
    return SmartClient(ClientConfig(**settings), http=http, clock=clock, timeout=7.5)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def launch_context(client: SmartClient, ehr: FakeEHR) -> LaunchContext:
    """An EHR launch completed against the fake EHR."""
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    ehr.nonce = pending.nonce
    return client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
