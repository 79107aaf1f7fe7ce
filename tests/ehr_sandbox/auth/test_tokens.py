"""id_token, access token verification and expiry, refresh token rotation."""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet

from ehr_sandbox.auth import AuthServer

from .helpers import BASE, FHIR, ehr_code, exchange


def refresh(client: Any, token: str, **extra: str) -> Any:
    return client.post("/auth/token", data={"grant_type": "refresh_token",
                                            "refresh_token": token, "client_id": "public-app",
                                            **extra})


def test_id_token_verifies_with_published_jwks(client: Any, auth: AuthServer,
                                               clock: Any) -> None:
    code, verifier = ehr_code(client, auth, nonce="nonce-42")
    body = exchange(client, code, verifier).get_json()
    keys = KeySet.import_key_set(client.get("/auth/jwks").get_json())
    token = jwt.decode(body["id_token"], keys, algorithms=["RS256"])
    assert token.header["kid"] == keys.keys[0].kid
    claims = token.claims
    assert claims["iss"] == f"{BASE}/auth"
    assert claims["aud"] == "public-app"
    assert claims["sub"] == "prac-1"
    assert claims["fhirUser"] == f"{FHIR}/Practitioner/prac-1"
    assert claims["nonce"] == "nonce-42"
    assert claims["iat"] == int(clock())
    assert claims["exp"] > claims["iat"]


def test_access_token_is_a_signed_jwt(client: Any, auth: AuthServer, clock: Any) -> None:
    code, verifier = ehr_code(client, auth)
    body = exchange(client, code, verifier).get_json()
    keys = KeySet.import_key_set(client.get("/auth/jwks").get_json())
    claims = jwt.decode(body["access_token"], keys, algorithms=["RS256"]).claims
    assert {"iss", "sub", "client_id", "scope", "patient", "encounter", "fhirUser", "exp",
            "iat", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 3600 and claims["iat"] == int(clock())


def test_access_token_expires_by_the_injected_clock(client: Any, auth: AuthServer,
                                                    clock: Any) -> None:
    code, verifier = ehr_code(client, auth)
    access = exchange(client, code, verifier).get_json()["access_token"]
    grant = auth.verify_access_token(access)
    assert grant is not None and grant.expires_at == int(clock()) + 3600
    clock.advance(3599)
    assert auth.verify_access_token(access) is not None
    clock.advance(2)
    assert auth.verify_access_token(access) is None


def test_verify_refuses_garbage_and_foreign_tokens(auth: AuthServer, client_keys: Any) -> None:
    assert auth.verify_access_token("not-a-jwt") is None
    foreign = jwt.encode({"alg": "RS384"}, {"iss": f"{BASE}/auth", "exp": 4_000_000_000,
                                            "jti": "x", "sub": "s", "client_id": "c"},
                         client_keys.rsa, algorithms=["RS384"])
    assert auth.verify_access_token(foreign) is None
    self_signed = auth.key.sign({"iss": f"{BASE}/auth", "exp": 4_000_000_000, "jti": "x",
                                 "sub": "s", "client_id": "c"})
    assert auth.verify_access_token(self_signed) is None  # never issued: unknown jti


def test_refresh_rotates_and_keeps_context(client: Any, auth: AuthServer, clock: Any) -> None:
    code, verifier = ehr_code(client, auth)
    first = exchange(client, code, verifier).get_json()
    clock.advance(600)
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.get_json()
    body = second.get_json()
    assert body["refresh_token"] != first["refresh_token"]
    assert (body["patient"], body["encounter"]) == ("pat-1", "enc-1")
    assert body["need_patient_banner"] is False  # an EHR launch, still after refresh
    grant = auth.verify_access_token(body["access_token"])
    assert grant is not None and grant.patient == "pat-1"

    old = refresh(client, first["refresh_token"])
    assert old.status_code == 400 and old.get_json()["error"] == "invalid_grant"
    # reuse of a spent refresh token revokes the whole family
    assert auth.verify_access_token(body["access_token"]) is None
    assert refresh(client, body["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_refresh_may_narrow_but_not_widen_scope(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth)
    first = exchange(client, code, verifier).get_json()
    wider = refresh(client, first["refresh_token"], scope="launch user/*.cruds offline_access")
    assert wider.get_json()["error"] == "invalid_scope"
    narrow = refresh(client, first["refresh_token"], scope="patient/*.rs offline_access")
    assert narrow.status_code == 200
    assert narrow.get_json()["scope"] == "patient/*.rs offline_access"


def test_refresh_token_only_for_its_client(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth)
    first = exchange(client, code, verifier).get_json()
    response = client.post("/auth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": "sym-app"})
    assert response.get_json()["error"] == "invalid_client"


def test_online_access_gives_a_refresh_token(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth, scope="launch patient/*.rs online_access")
    body = exchange(client, code, verifier).get_json()
    assert body["refresh_token"] and "id_token" not in body


def test_a_restarted_sandbox_signs_with_its_stored_key_and_makes_no_new_one(
        settings: Any, auth: AuthServer) -> None:
    """The signing key is made on first start only: a restart on the same store publishes the
    same key, and making a key (up to 0.3 s of CPU) is not even attempted."""
    def make_key() -> Any:
        raise AssertionError("a stored key must be read back, not made again")

    again = AuthServer(settings, auth.directory, make_key=make_key)
    assert again.key.jwks() == auth.key.jwks()
