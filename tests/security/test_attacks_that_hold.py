"""Attacks that already failed on main before issue 10, kept as assertions: state forgery and
reuse, code replay and injection, PKCE downgrade, mix-up, iss allow-list bypasses (no request
leaves the app), id_token `alg: none`, HS/RS confusion, and `jku`/`jwk` header injection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest

from smart_launch import SmartLaunchError
from tests.support.smart_bindings import on_socket
from tests.support.smart_launches import begin, query, s256, smart_client
from tests.support.smart_server import SmartServer

from .app_harness import app_under_attack

# -- state ----------------------------------------------------------------------------------


def test_forged_state_is_refused_and_no_code_is_spent(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    browser = app.browser()
    real = app.start(browser)
    for forged in ("", "x", real["state"][::-1], real["state"] + "A", real["state"].upper()):
        answer = app.finish(browser, {"state": forged})
        assert 400 <= answer.status_code < 500, forged
    assert server.requests_to("/token") == []


def test_replayed_callback_is_refused_after_first_use(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    browser = app.browser()
    params = app.start(browser)
    assert app.finish(browser, params).status_code == 303
    again = app.finish(browser, params)
    assert 400 <= again.status_code < 500
    assert len(server.requests_to("/token")) == 1  # the code was sent once


def test_state_is_random_and_long(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    states = {app.start(app.browser())["state"] for _ in range(20)}
    assert len(states) == 20
    assert all(len(base64.urlsafe_b64decode(s + "==")) >= 16 for s in states)


# -- code replay and injection, PKCE ------------------------------------------------------------


def test_a_stolen_code_cannot_be_redeemed_in_another_launch(hostile):
    """Code injection: the attacker feeds the victim's code into their own launch; the app
    sends that launch's own verifier, which does not match the challenge the code is bound to."""
    ehr = on_socket(hostile())
    victim_url, _victim = begin(smart_client(), ehr)
    ehr.challenge = query(victim_url)["code_challenge"]
    client = smart_client()
    _, attackers = begin(client, ehr)
    with pytest.raises(SmartLaunchError) as refused:
        client.complete_launch(attackers, {"code": ehr.code, "state": attackers.state})
    assert refused.value.code == "invalid_grant"


def test_pkce_is_s256_even_when_discovery_offers_plain_or_nothing(hostile):
    for offered in (["plain"], [], None):
        ehr = on_socket(hostile())
        ehr.config["code_challenge_methods_supported"] = offered
        client = smart_client()
        url, pending = begin(client, ehr)
        params = query(url)
        assert params["code_challenge_method"] == "S256"
        assert params["code_challenge"] == s256(pending.code_verifier)
        assert pending.code_verifier not in url
        ehr.challenge = params["code_challenge"]
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
        sent = ehr.server.requests_to("/token")[-1].body
        assert f"code_verifier={pending.code_verifier}" in sent


# -- mix-up ------------------------------------------------------------------------------------


def test_mix_up_response_naming_another_server_is_refused(hostile):
    honest, attacker = on_socket(hostile()), on_socket(hostile())
    client = smart_client()
    _, pending = begin(client, honest)
    for iss in (attacker.server.url, attacker.iss, honest.server.url + ".evil", ""):
        with pytest.raises(SmartLaunchError) as refused:
            client.complete_launch(pending, {"code": honest.code, "state": pending.state,
                                             "iss": iss})
        assert refused.value.code == "issuer_mismatch"
    assert honest.server.requests_to("/token") == [] and attacker.server.received == []


def test_the_token_endpoint_comes_from_the_launch_not_from_later_discovery(hostile):
    """After the redirect, a changed discovery document cannot reroute the code. Discovery is
    not cached here (TTL 0), so a client that asked again would see the attacker's endpoint."""
    honest, attacker = on_socket(hostile()), on_socket(hostile())
    client = smart_client(discovery_ttl=0)
    _, pending = begin(client, honest)
    honest.config["token_endpoint"] = f"{attacker.server.url}/token"
    client.complete_launch(pending, {"code": honest.code, "state": pending.state})
    assert attacker.server.received == []
    assert len(honest.server.requests_to("/token")) == 1


# -- the iss allow-list --------------------------------------------------------------------------

BYPASSES = [
    "{origin}/fhir.evil", "{origin}/fhirx", "{origin}/fhir/../evil", "{origin}/fhir/%2e%2e/evil",
    "{origin}/fhir?x=1", "{origin}/fhir#x", "{origin}/FHIR", "{scheme}://evil@{host}/fhir",
    "{scheme}://{host}@{attacker}/fhir", "//{host}/fhir", "{attacker}/fhir",
    "{origin}/fhir%00", "{origin}/fhir%20", "javascript:alert(1)//{host}/fhir",
    "https://{host}/fhir", "{origin}:80/fhir", "{origin}/fhir/Patient",
]


@pytest.mark.parametrize("variant", BYPASSES)
def test_iss_outside_the_allow_list_is_refused_with_no_outbound_request(hostile, tmp_path,
                                                                        variant):
    server, attacker = hostile(), hostile()
    app = app_under_attack(server, tmp_path)
    origin = server.url
    iss = variant.format(origin=origin, scheme="http", host=origin[7:],
                         attacker=attacker.url[7:] if "{scheme}" in variant else attacker.url)
    server.received.clear()

    answer = app.browser().get("/launch", query_string={"iss": iss, "launch": "L1"})

    assert answer.status_code == 400, iss
    assert server.received == [] and attacker.received == []


# -- id_token ------------------------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(ehr: SmartServer, nonce: str | None) -> dict:
    token = ehr.id_token(fhirUser="Practitioner/impostor", nonce=nonce)
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def _refused(ehr: SmartServer, id_token: Callable[[str | None], str]) -> SmartLaunchError:
    """A fresh launch whose token response carries id_token(nonce); the error it ends in."""
    client = smart_client()
    _, pending = begin(client, ehr)
    ehr.token_extra["id_token"] = id_token(pending.nonce)
    with pytest.raises(SmartLaunchError) as refused:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    return refused.value


def test_id_token_alg_none_is_refused(hostile):
    ehr = on_socket(hostile())
    for alg in ("none", "None", "NONE"):
        def unsigned(nonce, alg=alg):
            return f"{_b64({'alg': alg, 'kid': 'ehr-1'})}.{_b64(_claims(ehr, nonce))}."
        assert _refused(ehr, unsigned).code == "unsigned_or_weak"


def test_id_token_hmac_signed_with_the_servers_public_key_is_refused(hostile):
    """HS/RS confusion: HS256 keyed with the RSA public key the attacker can download."""
    ehr = on_socket(hostile())
    public_pem = ehr.key.as_pem(private=False)
    for alg in ("HS256", "HS384", "HS512"):
        def forged(nonce, alg=alg):
            signing_input = f"{_b64({'alg': alg, 'kid': 'ehr-1'})}.{_b64(_claims(ehr, nonce))}"
            digest = getattr(hashlib, f"sha{alg[2:]}")
            mac = hmac.new(public_pem, signing_input.encode(), digest).digest()
            return f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
        assert _refused(ehr, forged).code == "unsigned_or_weak"


def test_id_token_with_jku_or_jwk_header_is_judged_by_the_issuers_keys_only(hostile):
    ehr, attacker = on_socket(hostile()), on_socket(hostile())
    headers = [
        {"jku": f"{attacker.server.url}/jwks"},
        {"jwk": attacker.key.as_dict(private=False)},
        {"x5u": f"{attacker.server.url}/cert.pem"},
        {"jku": f"{attacker.server.url}/jwks", "kid": "attacker-1"},
    ]
    for header in headers:
        def forged(nonce, header=header):
            return attacker.id_token(header=header, key=attacker.key, iss=ehr.server.url,
                                     nonce=nonce, fhirUser="Practitioner/impostor")
        refused = _refused(ehr, forged)
        assert refused.code in ("bad_signature", "unknown_key", "invalid_id_token"), refused
    assert attacker.server.received == []
