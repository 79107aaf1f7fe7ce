from __future__ import annotations

import base64
import hashlib
import math

import pytest

from smart_launch import (
    AuthorizationDenied,
    AuthorizationError,
    IssuerMismatch,
    PendingAuthorization,
    SmartClient,
    StateError,
)
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import AUTHORIZE, ISS, ISSUER, TOKEN
from tests.support.smart_launches import CLIENT_ID, NEEDS, REDIRECT, query
from tests.support.smart_server import SmartServer


def _launch(
    client: SmartClient, launch: str | None = "xyz-launch"
) -> tuple[str, PendingAuthorization]:
    return client.begin_launch(ISS, launch=launch, needs=NEEDS)


def test_ehr_launch_url_has_every_parameter(client: SmartClient) -> None:
    url, pending = _launch(client)
    assert url.startswith(AUTHORIZE + "?")
    params = query(url)
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT
    assert params["aud"] == ISS
    assert params["launch"] == "xyz-launch"
    assert params["state"] == pending.state
    assert params["nonce"] == pending.nonce
    assert params["code_challenge_method"] == "S256"
    scope = params["scope"].split()
    assert scope[0] == "launch"
    assert {"openid", "fhirUser", "offline_access", "patient/Encounter.rs"} <= set(scope)
    assert "launch/patient" not in scope


def test_pkce_challenge_is_s256_of_the_verifier(client: SmartClient) -> None:
    url, pending = _launch(client)
    digest = hashlib.sha256(pending.code_verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query(url)["code_challenge"] == expected
    assert 43 <= len(pending.code_verifier) <= 128


def test_state_has_at_least_128_bits_and_differs_each_time(client: SmartClient) -> None:
    states = {_launch(client)[1].state for _ in range(20)}
    assert len(states) == 20
    for state in states:
        assert len(state) * math.log2(64) >= 128  # base64url characters carry 6 bits


def test_standalone_launch_asks_for_patient_and_encounter(client: SmartClient) -> None:
    url, pending = _launch(client, launch=None)
    params = query(url)
    assert "launch" not in params
    scope = params["scope"].split()
    assert scope[:2] == ["launch/patient", "launch/encounter"]
    assert "launch" not in scope
    assert pending.launch is None


def test_no_nonce_without_openid(client: SmartClient) -> None:
    url, pending = client.begin_launch(ISS, launch="L", needs=NEEDS, extra_scopes=())
    assert pending.nonce is None
    assert "nonce" not in query(url)


def test_pending_remembers_endpoints_and_round_trips(client: SmartClient) -> None:
    _, pending = _launch(client)
    assert pending.iss == ISS and pending.issuer == ISSUER
    assert pending.token_endpoint == TOKEN
    assert PendingAuthorization.from_dict(pending.to_dict()) == pending
    assert pending.code_verifier not in repr(pending)
    with pytest.raises(StateError):
        PendingAuthorization.from_dict({**pending.to_dict(), "created_at": "soon"})


# ---- the return trip -----------------------------------------------------------------


def test_wrong_state_is_refused_before_any_token_request(
    client: SmartClient, transport: FakeTransport
) -> None:
    _, pending = _launch(client)
    before = len(transport.requests)
    with pytest.raises(StateError) as info:
        client.complete_launch(pending, {"code": "c", "state": pending.state[:-1] + "x"})
    assert info.value.code == "state_mismatch"
    with pytest.raises(StateError) as info:
        client.complete_launch(pending, {"code": "c"})
    assert info.value.code == "missing_state"
    assert len(transport.requests) == before


def test_pending_expires_after_ten_minutes(
    client: SmartClient, clock: FakeClock, ehr: SmartServer
) -> None:
    _, pending = _launch(client)
    clock.advance(600)
    with pytest.raises(StateError) as info:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert info.value.code == "authorization_expired"


def test_just_under_ten_minutes_is_fine(
    client: SmartClient, clock: FakeClock, ehr: SmartServer
) -> None:
    _, pending = _launch(client)
    ehr.nonce = pending.nonce
    clock.advance(599)
    context = client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert context.patient == "pat-123"


@pytest.mark.parametrize("iss", [ISSUER, ISS, ISS + "/"])
def test_iss_parameter_equal_to_issuer_or_fhir_base_is_accepted(
    client: SmartClient, ehr: SmartServer, iss: str
) -> None:
    _, pending = _launch(client)
    ehr.nonce = pending.nonce
    params = {"code": ehr.code, "state": pending.state, "iss": iss}
    assert client.complete_launch(pending, params).iss == ISS


def test_mismatched_iss_parameter_is_refused(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    _, pending = _launch(client)
    before = len(transport.requests)
    params = {"code": ehr.code, "state": pending.state, "iss": "https://evil.example.com"}
    with pytest.raises(IssuerMismatch) as info:
        client.complete_launch(pending, params)
    assert info.value.code == "issuer_mismatch"
    assert len(transport.requests) == before


def test_oauth_error_parameter_becomes_authorization_denied(client: SmartClient) -> None:
    _, pending = _launch(client)
    params = {"error": "access_denied", "error_description": "User said no",
              "state": pending.state}
    with pytest.raises(AuthorizationDenied) as info:
        client.complete_launch(pending, params)
    assert info.value.code == "access_denied"
    assert info.value.message == "User said no"


def test_error_with_wrong_state_is_a_state_error(client: SmartClient) -> None:
    _, pending = _launch(client)
    with pytest.raises(StateError):
        client.complete_launch(pending, {"error": "access_denied", "state": "forged"})


def test_missing_code(client: SmartClient) -> None:
    _, pending = _launch(client)
    with pytest.raises(AuthorizationError) as info:
        client.complete_launch(pending, {"state": pending.state})
    assert info.value.code == "missing_code"


def test_state_is_single_use(client: SmartClient, ehr: SmartServer) -> None:
    _, pending = _launch(client)
    ehr.nonce = pending.nonce
    client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    with pytest.raises(StateError) as info:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert info.value.code == "state_reused"
