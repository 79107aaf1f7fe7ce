from __future__ import annotations

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey

from smart_launch import (
    ConfigurationError,
    LaunchContext,
    SmartClient,
    TokenRequestError,
    generate_private_key_pem,
)
from smart_launch.client_auth import CLIENT_ASSERTION_TYPE
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import ISS, TOKEN
from tests.support.smart_launches import CLIENT_ID, launch_with, smart_client
from tests.support.smart_server import SmartServer


def test_refresh_rotates_and_never_resends_the_old_token(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport, clock: FakeClock
) -> None:
    first = launch_with(client, ehr)
    clock.advance(3500)
    second = client.refresh(first)
    assert second.refresh_token == "rt-2" and second.access_token == "at-2"
    assert second.expires_at == clock() + 3600
    assert second.patient == first.patient and second.scopes == first.scopes
    assert second.fhir_user == first.fhir_user
    third = client.refresh(second)
    assert third.refresh_token == "rt-3"
    sent = [c.form["refresh_token"] for c in transport.calls("POST", TOKEN)
            if c.form["grant_type"] == "refresh_token"]
    assert sent == ["rt-1", "rt-2"]
    with pytest.raises(TokenRequestError) as info:
        client.refresh(first)  # the app handed back a stale context
    assert info.value.code == "refresh_token_reused"
    assert [c.form.get("refresh_token") for c in transport.calls("POST", TOKEN)].count(
        "rt-1") == 1


def test_refresh_without_new_refresh_token_keeps_the_old_one(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    first = launch_with(client, ehr)
    transport.add("POST", TOKEN, (200, {"access_token": "at-9", "token_type": "Bearer",
                                  "expires_in": 60, "scope": "patient/Patient.r"}))
    second = client.refresh(first)
    assert second.refresh_token == "rt-1" and second.access_token == "at-9"
    assert str(second.scopes) == "patient/Patient.r"
    third = client.refresh(second)  # still allowed: it was never rotated out
    assert third.refresh_token == "rt-1"


def test_refresh_error_keeps_oauth_code(
    client: SmartClient, ehr: SmartServer
) -> None:
    first = launch_with(client, ehr)
    ehr.current_refresh = "revoked-on-server"
    with pytest.raises(TokenRequestError) as info:
        client.refresh(first)
    assert info.value.code == "invalid_grant"


def test_refresh_needs_a_refresh_token(client: SmartClient, ehr: SmartServer) -> None:
    ehr.token_extra = {"refresh_token": None}
    with pytest.raises(TokenRequestError, match="no_refresh_token"):
        client.refresh(launch_with(client, ehr))


def test_refreshed_context_round_trips(client: SmartClient, ehr: SmartServer) -> None:
    refreshed = client.refresh(launch_with(client, ehr))
    assert LaunchContext.from_dict(refreshed.to_dict()) == refreshed


# ---- backend services ----------------------------------------------------------------


def _backend_client(http: requests.Session, clock: FakeClock) -> tuple[SmartClient, bytes]:
    pem = generate_private_key_pem("ES384")
    return smart_client(http, clock=clock, private_key_pem=pem, private_key_alg="ES384"), pem


def test_backend_token_uses_client_credentials_and_private_key_jwt(
    http: requests.Session, clock: FakeClock, ehr: SmartServer, transport: FakeTransport
) -> None:
    client, pem = _backend_client(http, clock)
    tokens = client.backend_token(ISS, ["system/Patient.rs", "system/Encounter.rs"])
    assert tokens.access_token == "backend-1"
    assert tokens.expires_at == clock() + 300
    assert tokens.scopes.allows("Encounter", "s")
    [call] = transport.calls("POST", TOKEN)
    assert call.form["grant_type"] == "client_credentials"
    assert call.form["scope"] == "system/Patient.rs system/Encounter.rs"
    assert call.form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    public = ECKey.import_key(ECKey.import_key(pem).as_dict(private=False))
    claims = jwt.decode(call.form["client_assertion"], public, algorithms=["ES384"]).claims
    assert claims["iss"] == claims["sub"] == CLIENT_ID and claims["aud"] == TOKEN
    assert call.timeout == 7.5
    assert "at-" not in repr(tokens) and "backend-1" not in repr(tokens)


def test_backend_token_is_cached_until_near_expiry(
    http: requests.Session, clock: FakeClock, ehr: SmartServer, transport: FakeTransport
) -> None:
    client, _ = _backend_client(http, clock)
    first = client.backend_token(ISS, ["system/Patient.rs"])
    clock.advance(200)
    assert client.backend_token(ISS, ["system/Patient.rs"]) is first
    other = client.backend_token(ISS, ["system/Encounter.rs"])
    assert other.access_token != first.access_token
    clock.advance(45)  # 245 s: within the 60 s renewal margin of a 300 s token
    renewed = client.backend_token(ISS, ["system/Patient.rs"])
    assert renewed.access_token != first.access_token
    assert len(transport.calls("POST", TOKEN)) == 3


def test_backend_token_needs_a_private_key(client: SmartClient) -> None:
    with pytest.raises(ConfigurationError):
        client.backend_token(ISS, ["system/Patient.rs"])
