"""Helpers for the sandbox authorization server tests: fake clock and directory, real keys."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from ehr_sandbox.auth import AuthServer
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from tests.support.clock import FakeClock
from tests.support.signing_keys import rsa_key

BASE = "http://localhost"
FHIR = f"{BASE}/fhir"
STANDALONE = "openid fhirUser launch/patient launch/encounter patient/*.rs"
TOKEN_URL = f"{BASE}/auth/token"
REDIRECT = "https://app.example/callback"
SYM_SECRET = "s3:cr%41t:<&>%"



class FakeDirectory:
    def patients(self) -> list[tuple[str, str]]:
        return [("pat-1", "Ada <b>Lovelace</b>"), ("pat-2", "Bob Builder")]

    def practitioners(self) -> list[tuple[str, str]]:
        return [("prac-1", "Dr. Who & Co"), ("prac-2", "Dr. Strange")]

    def encounters(self, patient_id: str) -> list[tuple[str, str]]:
        return {"pat-1": [("enc-1", "Session 1"), ("enc-2", "Session 2")],
                "pat-2": [("enc-9", "Session 9")]}.get(patient_id, [])


@dataclass
class ClientKeys:
    rsa: RSAKey = field(default_factory=lambda: rsa_key(auto_kid=True))
    ec: ECKey = field(default_factory=lambda: ECKey.generate_key("P-384", auto_kid=True))

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [self.rsa.as_dict(private=False), self.ec.as_dict(private=False)]}


def make_settings(tmp_path: Any, clock: FakeClock, keys: ClientKeys,
                  scope_syntax: str = "v2") -> SandboxSettings:
    clients = (
        ClientRegistration("public-app", "public", (REDIRECT,)),
        ClientRegistration("sym-app", "symmetric", (REDIRECT,), secret=SYM_SECRET),
        ClientRegistration("backend", "asymmetric", (REDIRECT,), jwks=keys.public_jwks()),
        ClientRegistration("remote", "asymmetric", (), jwks_uri="https://remote.example/jwks"),
    )
    return SandboxSettings(base_url=BASE, app_launch_url="https://app.example/launch",
                           clients=clients, db_path=tmp_path / "sandbox.db",
                           scope_syntax=scope_syntax, clock=clock)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(client_id: str = "public-app", scope: str = "launch openid fhirUser "
                     "patient/*.rs offline_access", **extra: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
              "scope": scope, "state": "st-123", "aud": FHIR}
    params.update(extra)
    return params


def redirect_query(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def client_assertion(key: Any, alg: str, clock: FakeClock, client_id: str = "backend",
                     **overrides: Any) -> dict[str, str]:
    claims = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL,
              "exp": int(clock()) + 240, "jti": secrets.token_hex(8)}
    claims.update(overrides)
    token = jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])
    return {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": token}


def ehr_code(client: Any, auth: AuthServer, client_id: str = "public-app",
             **extra: str) -> tuple[str, str]:
    """Run an EHR launch through /auth/authorize; returns (code, verifier)."""
    launch = auth.create_launch("pat-1", "enc-1", "prac-1")
    verifier, challenge = pkce()
    params = authorize_params(client_id, launch=launch, code_challenge=challenge,
                              code_challenge_method="S256", **extra)
    query = redirect_query(client.get("/auth/authorize", query_string=params))
    return query["code"], verifier


def exchange(client: Any, code: str, verifier: str | None, client_id: str = "public-app",
             headers: dict[str, str] | None = None, **extra: str) -> Any:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if client_id and not headers:
        form["client_id"] = client_id
    if verifier is not None:
        form["code_verifier"] = verifier
    form.update(extra)
    return client.post("/auth/token", data=form, headers=headers or {})


def picker(client: Any, scope: str = STANDALONE) -> tuple[str, dict[str, str], str]:
    """The standalone picker's page for `scope`: its HTML, hidden fields and PKCE verifier."""
    verifier, challenge = pkce()
    params = authorize_params(scope=scope, code_challenge=challenge,
                              code_challenge_method="S256", nonce="n-1")
    response = client.get("/auth/authorize", query_string=params)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, form_fields(html), verifier


def form_fields(html: str) -> dict[str, str]:
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return {name: unescape(value) for name, value in hidden}
