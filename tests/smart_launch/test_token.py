from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from smart_launch import (
    ConfigurationError,
    LaunchContext,
    SmartClient,
    TokenRequestError,
    TransportError,
    generate_private_key_pem,
)
from smart_launch.client_auth import CLIENT_ASSERTION_TYPE, basic_authorization
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import ISS, TOKEN
from tests.support.smart_launches import CLIENT_ID, NEEDS, REDIRECT, smart_client
from tests.support.smart_server import SmartServer


def _complete(client: SmartClient, ehr: SmartServer, **extra: str) -> LaunchContext:
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    ehr.nonce = pending.nonce
    return client.complete_launch(pending, {"code": ehr.code, "state": pending.state, **extra})


def test_public_client_exchange_sends_verifier_redirect_and_client_id(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    ehr.nonce = pending.nonce
    context = client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    [call] = transport.calls("POST", TOKEN)
    form = call.form
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == ehr.code
    assert form["code_verifier"] == pending.code_verifier
    assert form["redirect_uri"] == REDIRECT
    assert form["client_id"] == CLIENT_ID
    assert "Authorization" not in call.headers
    assert call.timeout == 7.5
    assert context.access_token == "at-1"
    assert context.patient == "pat-123" and context.encounter == "enc-456"


def test_launch_context_fields(client: SmartClient, ehr: SmartServer, clock: FakeClock) -> None:
    context = _complete(client, ehr)
    assert context.iss == ISS
    assert context.fhir_user == "Practitioner/pr-7"
    assert context.fhir_context == ({"reference": "Encounter/enc-456"}, {"type": "Questionnaire"})
    assert context.need_patient_banner is False
    assert context.smart_style_url == "https://ehr.example.org/style.json"
    assert context.intent == "record-alliance" and context.tenant == "t-1"
    assert context.expires_at == clock() + 3600
    assert context.token_type == "Bearer"
    assert context.refresh_token == "rt-1" and context.id_token
    assert context.scopes.allows("QuestionnaireResponse", "c")
    assert context.scopes.missing(NEEDS) == []
    assert not context.is_expired(clock())
    assert context.is_expired(clock() + 3541)


def test_banner_defaults_to_shown_and_scope_defaults_to_requested(
    client: SmartClient, ehr: SmartServer
) -> None:
    ehr.token_extra = {"need_patient_banner": None, "scope": None}
    context = _complete(client, ehr)
    assert context.need_patient_banner is True
    assert context.scopes.allows("Encounter", "s")


@pytest.mark.parametrize("secret", ["s3cr3t", "a:b%2F+c d", "p@ss:%41+/="])
def test_client_secret_basic_is_base64_of_raw_id_and_secret(
    http: requests.Session, clock: FakeClock, ehr: SmartServer, transport: FakeTransport,
    secret: str,
) -> None:
    client = smart_client(http, clock=clock, client_secret=secret)
    _complete(client, ehr)
    [call] = transport.calls("POST", TOKEN)
    expected = base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode()
    assert call.headers["Authorization"] == f"Basic {expected}"
    assert basic_authorization(CLIENT_ID, secret) == f"Basic {expected}"
    assert "client_secret" not in call.form and "client_assertion" not in call.form


def _assertion_claims(pem: bytes, alg: str, call_form: dict[str, str]) -> tuple[Any, Any]:
    assert call_form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    private = RSAKey.import_key(pem) if alg == "RS384" else ECKey.import_key(pem)
    public = type(private).import_key(private.as_dict(private=False))
    token = jwt.decode(call_form["client_assertion"], public, algorithms=[alg])
    return token.header, token.claims


@pytest.mark.parametrize("alg", ["RS384", "ES384"])
def test_private_key_jwt_assertion(
    http: requests.Session, clock: FakeClock, ehr: SmartServer, transport: FakeTransport, alg: str
) -> None:
    pem = generate_private_key_pem(alg)
    client = smart_client(http, clock=clock, private_key_pem=pem, private_key_alg=alg, key_id="k-1")
    _complete(client, ehr)
    _complete(client, ehr)
    jtis = set()
    for call in transport.calls("POST", TOKEN):
        header, claims = _assertion_claims(pem, alg, call.form)
        assert header["alg"] == alg and header["kid"] == "k-1"
        assert claims["iss"] == claims["sub"] == CLIENT_ID
        assert claims["aud"] == TOKEN
        assert 0 < claims["exp"] - clock() <= 300
        assert "Authorization" not in call.headers
        jtis.add(claims["jti"])
    assert len(jtis) == 2


def test_token_endpoint_oauth_error_keeps_its_code(client: SmartClient, ehr: SmartServer) -> None:
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    with pytest.raises(TokenRequestError) as info:
        client.complete_launch(pending, {"code": "stale", "state": pending.state})
    assert info.value.code == "invalid_grant"
    assert info.value.message == "code is not valid"
    assert info.value.status_code == 400


def test_token_endpoint_server_error(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    transport.add("POST", TOKEN, (502, "<html>Bad gateway</html>"))
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    with pytest.raises(TokenRequestError) as info:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert info.value.code == "http_status" and info.value.status_code == 502


def test_token_endpoint_timeout_is_a_transport_error(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    transport.add("POST", TOKEN, requests.ReadTimeout("slow"))
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    with pytest.raises(TransportError) as info:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert info.value.code == "timeout"


@pytest.mark.parametrize("extra", [{"access_token": None}, {"token_type": "DPoP"},
                                   {"expires_in": "soon"}])
def test_unusable_token_response(
    client: SmartClient, ehr: SmartServer, extra: dict[str, Any]
) -> None:
    ehr.token_extra = extra
    with pytest.raises(TokenRequestError):
        _complete(client, ehr)


def test_configuration_is_checked(http: requests.Session, clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match="ambiguous_client_auth"):
        smart_client(http, clock=clock, client_secret="s", private_key_pem=b"x")
    with pytest.raises(ConfigurationError, match="invalid_private_key"):
        smart_client(http, clock=clock, private_key_pem=b"not a key")
    with pytest.raises(ConfigurationError, match="unsupported_algorithm"):
        smart_client(http, clock=clock, private_key_pem=b"x", private_key_alg="HS256")
    with pytest.raises(ConfigurationError, match="invalid_redirect_uri"):
        smart_client(http, clock=clock, redirect_uri="/relative")
    with pytest.raises(ConfigurationError, match="invalid_private_key"):
        smart_client(http, clock=clock, private_key_pem=generate_private_key_pem("RS384"),
                    private_key_alg="ES384")


def test_every_request_has_the_configured_timeout(
    http: requests.Session, clock: FakeClock, ehr: SmartServer, transport: FakeTransport
) -> None:
    client = smart_client(http, clock=clock, private_key_pem=generate_private_key_pem("RS384"))
    context = _complete(client, ehr)
    client.refresh(context)
    client.backend_token(ISS, ["system/Patient.rs"])
    kinds = {(r.method, r.path_url) for r in transport.requests}
    assert len(kinds) == 3  # smart-configuration, JWKS, token endpoint
    assert {r.timeout for r in transport.requests} == {7.5}
