from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from smart_launch import IdTokenError, LaunchContext, SmartClient
from smart_launch.id_token import fhir_user_from_claims, validate_id_token
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import ISS, ISSUER, JWKS
from tests.support.smart_launches import CLIENT_ID, NEEDS
from tests.support.smart_server import SmartServer


def _launch_with_id_token(client: SmartClient, ehr: SmartServer, id_token: Any) -> LaunchContext:
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS)
    ehr.nonce = pending.nonce
    ehr.token_extra = {"id_token": id_token(ehr) if callable(id_token) else id_token}
    return client.complete_launch(pending, {"code": ehr.code, "state": pending.state})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_good_id_token_gives_fhir_user(client: SmartClient, ehr: SmartServer) -> None:
    context = _launch_with_id_token(client, ehr, lambda e: e.id_token())
    assert context.fhir_user == "Practitioner/pr-7"


def test_profile_claim_is_the_fallback(client: SmartClient, ehr: SmartServer) -> None:
    context = _launch_with_id_token(
        client, ehr, lambda e: e.id_token(fhirUser=None, profile="Practitioner/old-1"))
    assert context.fhir_user == "Practitioner/old-1"
    assert fhir_user_from_claims({}) is None


def test_audience_list_containing_client_is_accepted(client: SmartClient, ehr: SmartServer) -> None:
    context = _launch_with_id_token(
        client, ehr, lambda e: e.id_token(aud=["other", CLIENT_ID]))
    assert context.fhir_user


def test_small_clock_skew_is_tolerated(
    client: SmartClient, ehr: SmartServer, clock: FakeClock
) -> None:
    context = _launch_with_id_token(
        client, ehr, lambda e: e.id_token(exp=int(clock()) - 30))
    assert context.fhir_user


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda e: e.id_token(key=RSAKey.generate_key(2048)), "bad_signature"),
        (lambda e: e.id_token(aud="someone-else"), "invalid_audience"),
        (lambda e: e.id_token(nonce="not-the-nonce"), "invalid_nonce"),
        (lambda e: e.id_token(nonce=None), "invalid_nonce"),
        (lambda e: e.id_token(exp=int(e.clock()) - 120), "expired"),
        (lambda e: e.id_token(iss="https://other-issuer.example.org"), "invalid_issuer"),
        (lambda e: _b64({"alg": "none", "typ": "JWT"}) + "."
         + _b64({"iss": ISSUER, "aud": CLIENT_ID, "exp": 4102444800, "nonce": e.nonce}) + ".",
         "unsigned_or_weak"),
        (lambda e: "not-a-jwt", "malformed_id_token"),
    ],
    ids=["bad-signature", "wrong-aud", "wrong-nonce", "no-nonce", "expired", "wrong-iss",
         "alg-none", "garbage"],
)
def test_bad_id_tokens_are_refused(
    client: SmartClient, ehr: SmartServer, make: Any, code: str
) -> None:
    with pytest.raises(IdTokenError) as info:
        _launch_with_id_token(client, ehr, make)
    assert info.value.code == code


def test_hmac_signed_token_is_refused(ehr: SmartServer, clock: FakeClock) -> None:
    from joserfc import jwt
    from joserfc.jwk import OctKey

    secret = OctKey.generate_key(256)
    token = jwt.encode({"alg": "HS256"}, {"iss": ISSUER, "aud": CLIENT_ID, "exp": 4102444800},
                       secret, algorithms=["HS256"])
    with pytest.raises(IdTokenError, match="unsigned_or_weak"):
        validate_id_token(token, {"keys": [secret.as_dict(private=True)]}, issuer=ISSUER,
                          client_id=CLIENT_ID, nonce=None, now=clock())


def test_rotated_key_triggers_one_jwks_reload(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    _launch_with_id_token(client, ehr, lambda e: e.id_token())
    ehr.key = RSAKey.generate_key(2048, parameters={"kid": "srv-2"})

    def rotated_token(e: SmartServer) -> str:
        from joserfc import jwt

        claims = {"iss": ISSUER, "aud": CLIENT_ID, "exp": int(e.clock()) + 300,
                  "nonce": e.nonce, "fhirUser": "Practitioner/pr-8"}
        return jwt.encode({"alg": "RS256", "kid": "srv-2"}, claims, e.key, algorithms=["RS256"])

    transport.add("GET", JWKS, lambda _r: (200, {"keys": [ehr.key.as_dict(kid="srv-2")]}))
    context = _launch_with_id_token(client, ehr, rotated_token)
    assert context.fhir_user == "Practitioner/pr-8"
    assert len(transport.calls("GET", JWKS)) == 2


def test_id_token_not_requested_is_not_kept(client: SmartClient, ehr: SmartServer) -> None:
    _, pending = client.begin_launch(ISS, launch="L1", needs=NEEDS, extra_scopes=())
    context = client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert context.id_token is None and context.fhir_user is None
