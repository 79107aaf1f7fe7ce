"""The authorization code flow: PKCE, aud, redirect_uri, single use, state and iss."""

from __future__ import annotations

from typing import Any

import pytest

from ehr_sandbox.auth import AuthServer

from .helpers import (
    BASE,
    REDIRECT,
    SYM_SECRET,
    authorize_params,
    basic,
    ehr_code,
    exchange,
    pkce,
    redirect_query,
)


def test_code_carries_state_and_iss(client: Any, auth: AuthServer) -> None:
    launch = auth.create_launch("pat-1", None, "prac-1")
    _, challenge = pkce()
    response = client.get("/auth/authorize", query_string=authorize_params(
        launch=launch, code_challenge=challenge, code_challenge_method="S256"))
    query = redirect_query(response)
    assert query["state"] == "st-123"
    assert query["iss"] == f"{BASE}/auth"
    assert query["code"]


def test_authorization_request_by_post_is_accepted(client: Any, auth: AuthServer) -> None:
    launch = auth.create_launch("pat-1", None, "prac-1")
    _, challenge = pkce()
    response = client.post("/auth/authorize", data=authorize_params(
        launch=launch, code_challenge=challenge, code_challenge_method="S256"))
    assert redirect_query(response)["code"]


@pytest.mark.parametrize("pkce_params", [
    {},
    {"code_challenge_method": "S256"},
    {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
    {"code_challenge": "x" * 43},
])
def test_authorize_without_s256_challenge_is_refused(client: Any, auth: AuthServer,
                                                     pkce_params: dict[str, str]) -> None:
    launch = auth.create_launch("pat-1", None, "prac-1")
    response = client.get("/auth/authorize",
                          query_string=authorize_params(launch=launch, **pkce_params))
    query = redirect_query(response)
    assert query["error"] == "invalid_request"
    assert query["state"] == "st-123" and query["iss"] == f"{BASE}/auth"


def test_token_without_verifier_is_refused(client: Any, auth: AuthServer) -> None:
    code, _ = ehr_code(client, auth)
    response = exchange(client, code, verifier=None)
    assert response.status_code == 400
    assert response.get_json()["error"] in ("invalid_request", "invalid_grant")


def test_token_with_wrong_verifier_is_refused(client: Any, auth: AuthServer) -> None:
    code, _ = ehr_code(client, auth)
    other_verifier, _ = pkce()
    response = exchange(client, code, other_verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("aud", [None, "http://localhost/fhir/", "https://evil.example/fhir"])
def test_aud_must_be_the_fhir_base(client: Any, auth: AuthServer, aud: str | None) -> None:
    launch = auth.create_launch("pat-1", None, "prac-1")
    _, challenge = pkce()
    params = authorize_params(launch=launch, code_challenge=challenge,
                              code_challenge_method="S256")
    if aud is None:
        del params["aud"]
    else:
        params["aud"] = aud
    query = redirect_query(client.get("/auth/authorize", query_string=params))
    assert query["error"] == "invalid_request"
    assert "code" not in query


@pytest.mark.parametrize("redirect_uri", [
    REDIRECT + "/", REDIRECT + "?x=1", REDIRECT.upper(), "https://evil.example/callback", None,
])
def test_redirect_uri_must_match_exactly(client: Any, auth: AuthServer,
                                         redirect_uri: str | None) -> None:
    _, challenge = pkce()
    params = authorize_params(launch=auth.create_launch("pat-1", None, "prac-1"),
                              code_challenge=challenge, code_challenge_method="S256")
    if redirect_uri is None:
        del params["redirect_uri"]
    else:
        params["redirect_uri"] = redirect_uri
    response = client.get("/auth/authorize", query_string=params)
    assert response.status_code == 400  # never redirected to an unregistered URI
    assert "Location" not in response.headers


def test_token_redirect_uri_must_match_the_authorization(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth)
    response = exchange(client, code, verifier, redirect_uri=REDIRECT + "/")
    assert response.get_json()["error"] == "invalid_grant"


def test_unknown_client_is_not_redirected(client: Any) -> None:
    response = client.get("/auth/authorize",
                          query_string=authorize_params(client_id="nobody"))
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_code_reuse_is_refused_and_revokes_its_tokens(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth)
    first = exchange(client, code, verifier)
    assert first.status_code == 200
    access = first.get_json()["access_token"]
    refresh = first.get_json()["refresh_token"]
    assert auth.verify_access_token(access) is not None

    again = exchange(client, code, verifier)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"
    assert auth.verify_access_token(access) is None
    refreshed = client.post("/auth/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh, "client_id": "public-app"})
    assert refreshed.get_json()["error"] == "invalid_grant"


def test_code_expires(client: Any, auth: AuthServer, clock: Any) -> None:
    code, verifier = ehr_code(client, auth)
    clock.advance(121)
    assert exchange(client, code, verifier).get_json()["error"] == "invalid_grant"


def test_code_is_bound_to_its_client(client: Any, auth: AuthServer) -> None:
    code, verifier = ehr_code(client, auth)  # issued to public-app
    response = exchange(client, code, verifier, client_id="",
                        headers=basic("sym-app", SYM_SECRET))
    assert response.get_json()["error"] == "invalid_grant"


def test_launch_is_single_use_and_expires(client: Any, auth: AuthServer, clock: Any) -> None:
    launch = auth.create_launch("pat-1", None, "prac-1")
    _, challenge = pkce()
    params = authorize_params(launch=launch, code_challenge=challenge,
                              code_challenge_method="S256")
    assert "code" in redirect_query(client.get("/auth/authorize", query_string=params))
    assert redirect_query(client.get("/auth/authorize", query_string=params))["error"] == (
        "invalid_request")

    expiring = auth.create_launch("pat-1", None, "prac-1")
    clock.advance(3601)
    params["launch"] = expiring
    assert redirect_query(client.get("/auth/authorize", query_string=params))["error"] == (
        "invalid_request")
    params["launch"] = "made-up"
    assert redirect_query(client.get("/auth/authorize", query_string=params))["error"] == (
        "invalid_request")
