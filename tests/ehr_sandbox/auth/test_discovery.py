"""Discovery documents, JWKS, smart-style and the stability of the signing key."""

from __future__ import annotations

from typing import Any

from ehr_sandbox.auth import AuthServer

from .helpers import BASE, FHIR, FakeDirectory, make_settings


def test_smart_configuration_v2(auth: AuthServer) -> None:
    config = auth.smart_configuration()
    assert config["issuer"] == f"{BASE}/auth"
    assert config["authorization_endpoint"] == f"{BASE}/auth/authorize"
    assert config["token_endpoint"] == f"{BASE}/auth/token"
    assert config["jwks_uri"] == f"{BASE}/auth/jwks"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert {"private_key_jwt", "client_secret_basic"} <= set(
        config["token_endpoint_auth_methods_supported"])
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(
        config["grant_types_supported"])
    assert config["response_types_supported"] == ["code"]
    capabilities = set(config["capabilities"])
    assert {"launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
            "client-confidential-asymmetric", "context-ehr-patient", "context-ehr-encounter",
            "context-standalone-patient", "context-standalone-encounter", "context-banner",
            "context-style", "sso-openid-connect", "permission-offline", "permission-patient",
            "permission-user", "permission-v2"} <= capabilities
    assert "permission-v1" not in capabilities
    assert "patient/*.rs" in config["scopes_supported"]


def test_smart_configuration_v1(tmp_path: Any, clock: Any, client_keys: Any) -> None:
    settings = make_settings(tmp_path, clock, client_keys, scope_syntax="v1")
    config = AuthServer(settings, FakeDirectory()).smart_configuration()
    assert "permission-v1" in config["capabilities"]
    assert "permission-v2" not in config["capabilities"]
    assert "patient/*.read" in config["scopes_supported"]
    assert "patient/*.rs" not in config["scopes_supported"]


def test_openid_configuration_and_jwks(client: Any) -> None:
    config = client.get("/auth/.well-known/openid-configuration").get_json()
    assert config["issuer"] == f"{BASE}/auth"
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    jwks = client.get("/auth/jwks").get_json()
    [key] = jwks["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"]
    assert "d" not in key and "p" not in key  # public part only


def test_smart_style(client: Any) -> None:
    style = client.get("/auth/smart-style.json").get_json()
    assert style["color_background"].startswith("#")


def test_signing_key_is_stable_for_the_same_db(tmp_path: Any, clock: Any,
                                               client_keys: Any) -> None:
    settings = make_settings(tmp_path, clock, client_keys)
    first = AuthServer(settings, FakeDirectory()).key.jwks()
    second = AuthServer(settings, FakeDirectory()).key.jwks()
    assert first == second
    other = make_settings(tmp_path / "other", clock, client_keys)
    assert AuthServer(other, FakeDirectory()).key.jwks() != first
    assert (tmp_path / "sandbox.db.auth").exists()
    assert FHIR.endswith("/fhir")
