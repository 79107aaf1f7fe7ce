from __future__ import annotations

import json

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from smart_launch import (
    ClientConfig,
    LaunchContext,
    SmartClient,
    StateError,
    generate_private_key_pem,
    load_signing_key,
)
from smart_launch.client_auth import build_client_assertion
from smart_launch.errors import SmartLaunchError
from tests.support.clock import FakeClock
from tests.support.smart_launches import launch_with, smart_client
from tests.support.smart_server import SmartServer


def test_launch_context_round_trips_through_json(client: SmartClient, ehr: SmartServer) -> None:
    context = launch_with(client, ehr)
    stored = json.loads(json.dumps(context.to_dict()))
    restored = LaunchContext.from_dict(stored)
    assert restored == context
    assert restored.scopes.allows("Encounter", "r")
    assert restored.fhir_context[0]["reference"] == "Encounter/enc-456"


def test_repr_hides_tokens(client: SmartClient, ehr: SmartServer) -> None:
    ehr.token_extra = {"access_token": "ACCESS-SECRET-42", "refresh_token": "REFRESH-SECRET-42"}
    context = launch_with(client, ehr)
    text = repr(context) + str(context)
    for secret in (context.access_token, context.refresh_token, context.id_token):
        assert secret and secret not in text
    assert "pat-123" in text


def test_corrupt_stored_context_is_refused(client: SmartClient, ehr: SmartServer) -> None:
    data = launch_with(client, ehr).to_dict()
    for broken in ({**data, "expires_at": "later"}, {**data, "access_token": None},
                   {**data, "fhir_context": "x"}, {**data, "patient": 7}):
        with pytest.raises(StateError):
            LaunchContext.from_dict(broken)


def test_config_repr_hides_secrets() -> None:
    config = ClientConfig("id", "https://app/cb", client_secret="hunter2",
                          private_key_pem=b"PEM")
    assert "hunter2" not in repr(config) and "PEM" not in repr(config)


def test_errors_share_one_base_with_code_and_message() -> None:
    from smart_launch import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), SmartLaunchError)
    err = errors.TokenRequestError("expired code", code="invalid_grant", status_code=400)
    assert (err.code, err.message, err.status_code) == ("invalid_grant", "expired code", 400)


@pytest.mark.parametrize(("alg", "kty"), [("RS384", "RSA"), ("ES384", "EC")])
def test_keys_generate_load_and_publish(
    http: requests.Session, clock: FakeClock, alg: str, kty: str
) -> None:
    pem = generate_private_key_pem(alg)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = load_signing_key(pem, alg)
    jwk = key.public_jwk()
    assert jwk["kty"] == kty and jwk["alg"] == alg and jwk["use"] == "sig"
    assert "d" not in jwk
    native = RSAKey.import_key(pem) if alg == "RS384" else ECKey.import_key(pem)
    assert key.kid == native.thumbprint()  # RFC 7638 by default
    assert load_signing_key(pem, alg, kid="mine").kid == "mine"

    client = smart_client(http, clock=clock, private_key_pem=pem, private_key_alg=alg)
    published = client.public_jwks()
    assert published == {"keys": [jwk]}
    # A server holding only the published JWKS can verify our assertion.
    assertion = build_client_assertion(key, client_id="c", token_endpoint="https://t",
                                       now=clock())
    token = jwt.decode(assertion, KeySet.import_key_set(published), algorithms=[alg])
    assert token.claims["aud"] == "https://t"


def test_public_client_has_an_empty_jwks(client: SmartClient) -> None:
    assert client.public_jwks() == {"keys": []}
