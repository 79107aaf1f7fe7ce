"""Confidential clients: client_secret_basic, private_key_jwt, client_credentials."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from joserfc.jwk import ECKey, RSAKey

from ehr_sandbox.auth import AuthServer
from ehr_sandbox.auth.errors import ClientRegistrationError
from ehr_sandbox.settings import ClientRegistration

from .helpers import (
    REDIRECT,
    SYM_SECRET,
    FakeDirectory,
    basic,
    client_assertion,
    ehr_code,
    exchange,
    make_settings,
)


def test_symmetric_secret_with_colon_and_percent(client: Any, auth: AuthServer) -> None:
    assert ":" in SYM_SECRET and "%41" in SYM_SECRET
    code, verifier = ehr_code(client, auth, client_id="sym-app")
    response = exchange(client, code, verifier, client_id="",
                        headers=basic("sym-app", SYM_SECRET))
    assert response.status_code == 200, response.get_json()


def test_symmetric_url_encoded_header_is_also_accepted(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth, client_id="sym-app")
    headers = basic("sym-app", quote(SYM_SECRET, safe=""))
    assert exchange(client, code, verifier, client_id="", headers=headers).status_code == 200


@pytest.mark.parametrize("headers", [
    basic("sym-app", "s3:crAt:<&>%"),  # the %41 decoded: not the secret
    basic("sym-app", "wrong"),
    {"Authorization": "Basic !!!"},
    {},
])
def test_symmetric_bad_credentials(client: Any, auth: AuthServer,
                                   headers: dict[str, str]) -> None:
    code, verifier = ehr_code(client, auth, client_id="sym-app")
    form_client = "" if headers else "sym-app"
    response = exchange(client, code, verifier, client_id=form_client, headers=headers)
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize(("key_name", "alg"), [("rsa", "RS384"), ("ec", "ES384")])
def test_private_key_jwt_accepted(client: Any, auth: AuthServer, client_keys: Any,
                                  clock: Any, key_name: str, alg: str) -> None:
    code, verifier = ehr_code(client, auth, client_id="backend")
    assertion = client_assertion(getattr(client_keys, key_name), alg, clock)
    response = exchange(client, code, verifier, client_id="", **assertion)
    assert response.status_code == 200, response.get_json()


def backend_token(client: Any, form: dict[str, str]) -> Any:
    return client.post("/auth/token", data={"grant_type": "client_credentials",
                                            "scope": "system/Patient.rs", **form})


def test_private_key_jwt_refused_with_wrong_key(client: Any, clock: Any) -> None:
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    response = backend_token(client, client_assertion(stranger, "RS384", clock))
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_private_key_jwt_refused_with_same_kid_other_key(client: Any, client_keys: Any,
                                                         clock: Any) -> None:
    impostor = ECKey.generate_key("P-384")
    impostor = ECKey.import_key({**impostor.as_dict(private=True), "kid": client_keys.ec.kid})
    response = backend_token(client, client_assertion(impostor, "ES384", clock))
    assert response.get_json()["error"] == "invalid_client"


def test_private_key_jwt_refused_on_reused_jti(client: Any, client_keys: Any,
                                               clock: Any) -> None:
    assertion = client_assertion(client_keys.rsa, "RS384", clock, jti="once")
    assert backend_token(client, assertion).status_code == 200
    again = client_assertion(client_keys.rsa, "RS384", clock, jti="once")
    assert backend_token(client, again).get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("overrides", [
    {"exp_ahead": 301},       # more than five minutes ahead
    {"exp_ahead": -120},      # expired
    {"aud": "http://localhost/auth/authorize"},
    {"iss": "someone-else"},
    {"jti": ""},
])
def test_private_key_jwt_refused_on_bad_claims(client: Any, client_keys: Any, clock: Any,
                                               overrides: dict[str, Any]) -> None:
    claims = dict(overrides)
    if "exp_ahead" in claims:
        claims["exp"] = int(clock()) + claims.pop("exp_ahead")
    assertion = client_assertion(client_keys.rsa, "RS384", clock, **claims)
    response = backend_token(client, assertion)
    assert response.get_json()["error"] == "invalid_client"


def test_private_key_jwt_refuses_rs256(client: Any, client_keys: Any, clock: Any) -> None:
    response = backend_token(client, client_assertion(client_keys.rsa, "RS256", clock))
    assert response.get_json()["error"] == "invalid_client"


def test_client_credentials(client: Any, auth: AuthServer, client_keys: Any,
                            clock: Any) -> None:
    response = backend_token(client, client_assertion(client_keys.ec, "ES384", clock))
    body = response.get_json()
    assert response.status_code == 200, body
    assert "refresh_token" not in body and "id_token" not in body and "patient" not in body
    assert body["scope"] == "system/Patient.rs" and body["expires_in"] == 3600
    grant = auth.verify_access_token(body["access_token"])
    assert grant is not None and grant.client_id == "backend" and grant.subject == "backend"
    assert grant.allows("Patient", "s") and not grant.allows("Patient", "c")


def test_client_credentials_only_system_scopes(client: Any, client_keys: Any,
                                               clock: Any) -> None:
    assertion = client_assertion(client_keys.rsa, "RS384", clock)
    response = backend_token(client, {**assertion, "scope": "patient/*.rs"})
    assert response.get_json()["error"] == "invalid_scope"


def test_client_credentials_not_for_symmetric_or_public(client: Any) -> None:
    sym = client.post("/auth/token", data={"grant_type": "client_credentials",
                                           "scope": "system/*.rs"},
                      headers=basic("sym-app", SYM_SECRET))
    assert sym.status_code in (400, 401)
    public = backend_token(client, {"client_id": "public-app"})
    assert public.status_code in (400, 401)


def test_jwks_uri_is_fetched_once_then_cached(client: Any, client_keys: Any, clock: Any,
                                              jwks_fetches: list[str]) -> None:
    for alg, key in (("RS384", client_keys.rsa), ("ES384", client_keys.ec)):
        assertion = client_assertion(key, alg, clock, client_id="remote")
        assert backend_token(client, assertion).status_code == 200
    assert jwks_fetches == ["https://remote.example/jwks"]
    clock.advance(301)
    assert backend_token(client, client_assertion(client_keys.rsa, "RS384", clock,
                                                  client_id="remote")).status_code == 200
    assert len(jwks_fetches) == 2


def test_jwks_uri_failure_refuses_the_client(tmp_path: Any, clock: Any,
                                             client_keys: Any) -> None:
    import flask

    def broken(uri: str) -> dict[str, Any]:
        raise ValueError("not json")

    auth = AuthServer(make_settings(tmp_path, clock, client_keys), FakeDirectory(),
                      fetch_jwks=broken)
    app = flask.Flask(__name__)
    auth.init_app(app)
    response = backend_token(app.test_client(), client_assertion(
        client_keys.rsa, "RS384", clock, client_id="remote"))
    assert response.get_json()["error"] == "invalid_client"


@pytest.mark.parametrize("registration", [
    ClientRegistration("x", "confidential", (REDIRECT,)),
    ClientRegistration("x", "symmetric", (REDIRECT,)),
    ClientRegistration("x", "asymmetric", (REDIRECT,)),
])
def test_bad_registrations_fail_at_start(tmp_path: Any, clock: Any, client_keys: Any,
                                         registration: ClientRegistration) -> None:
    settings = make_settings(tmp_path, clock, client_keys)
    settings = type(settings)(**{**settings.__dict__, "clients": (registration,)})
    with pytest.raises(ClientRegistrationError, match="settings.clients"):
        AuthServer(settings, FakeDirectory())
