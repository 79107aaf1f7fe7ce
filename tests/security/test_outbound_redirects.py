"""Finding 4: no outbound request follows a redirect. Token, discovery, JWKS, FHIR and style
requests that answer 3xx end in a clear error, and the address the redirect names receives
nothing: no code, no code_verifier, no client assertion, no bearer token, no batch body."""

from __future__ import annotations

import pytest
import requests

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirUnsafeUrl
from smart_launch import SmartLaunchError, TransportError, generate_private_key_pem
from tests.support.smart_bindings import on_socket
from tests.support.smart_launches import begin, launch_with, smart_client

from .app_harness import app_under_attack


@pytest.mark.parametrize("status", [302, 307, 308])
def test_token_endpoint_redirect_sends_the_code_nowhere_else(hostile, status):
    # The attacker answers with a token response of its own, without an id_token to check.
    ehr, attacker = on_socket(hostile()), on_socket(hostile(), openid=False)
    attacker.code = ehr.code
    ehr.server.redirect("POST", "/token", f"{attacker.server.url}/token", status)
    client = smart_client(private_key_pem=generate_private_key_pem("RS384"))
    _, pending = begin(client, ehr)

    with pytest.raises(TransportError) as refused:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})

    assert refused.value.code == "redirect_refused"
    assert "redirect" in refused.value.message and attacker.server.url[7:] in refused.value.message
    assert attacker.server.received == []  # no code, verifier or client assertion arrived
    assert ehr.server.anything_containing(pending.code_verifier)  # it went only to the EHR


def test_discovery_redirect_is_not_followed_to_another_servers_endpoints(hostile):
    ehr, attacker = on_socket(hostile()), on_socket(hostile())
    ehr.server.redirect("GET", "/fhir/.well-known/smart-configuration",
                        f"{attacker.server.url}/fhir/.well-known/smart-configuration", 302)

    with pytest.raises(TransportError, match="redirect_refused"):
        begin(smart_client(), ehr)

    assert attacker.server.received == []


def test_jwks_redirect_cannot_substitute_the_attackers_signing_key(hostile):
    ehr, attacker = on_socket(hostile()), on_socket(hostile())
    ehr.server.redirect("GET", "/jwks", f"{attacker.server.url}/jwks", 302)
    # The id_token is signed with the attacker's key and names another user.
    ehr.token_extra["id_token"] = None
    client = smart_client()
    _, pending = begin(client, ehr)
    attacker.nonce = ehr.nonce = pending.nonce
    forged = attacker.id_token(iss=ehr.server.url, fhirUser="Practitioner/impostor",
                               header={"kid": "ehr-1"})
    ehr.token_extra["id_token"] = forged

    with pytest.raises(TransportError, match="redirect_refused"):
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    assert attacker.server.received == []


def test_fhir_batch_redirect_sends_neither_body_nor_token_elsewhere(hostile):
    ehr, attacker = hostile(), hostile()
    ehr.redirect("POST", "/fhir", f"{attacker.url}/fhir", 307)
    client = FhirClient(f"{ehr.url}/fhir", token=lambda: "bearer-secret", http=requests.Session())

    with pytest.raises(FhirUnsafeUrl, match="redirect"):
        client.batch(["Patient/p1"])

    assert attacker.received == []
    assert len(ehr.received) == 1  # a redirect is not a reason to retry either


def test_fhir_read_redirect_sends_no_bearer_token_elsewhere(hostile):
    ehr, attacker = hostile(), hostile()
    ehr.redirect("GET", "/fhir/Patient/p1", f"{attacker.url}/fhir/Patient/p1", 302)
    client = FhirClient(f"{ehr.url}/fhir", token=lambda: "bearer-secret", http=requests.Session())

    with pytest.raises(FhirUnsafeUrl, match="redirect"):
        client.read("Patient", "p1")
    assert attacker.received == []


def test_panel_survives_a_fhir_redirect_with_a_clear_page(hostile, tmp_path):
    server, attacker = hostile(), hostile()
    app = app_under_attack(server, tmp_path)
    handle = app.launch()
    server.redirect("POST", "/fhir", f"{attacker.url}/fhir", 307)

    page = app.clinician.get(f"/panel/{handle}")

    assert page.status_code == 502
    assert "redirect" in page.get_data(as_text=True)
    assert attacker.received == []


def test_style_url_redirect_is_not_fetched_server_side(hostile, tmp_path):
    """smart_style_url on the EHR's host that redirects elsewhere: SSRF if followed."""
    server, attacker = hostile(), hostile()
    app = app_under_attack(server, tmp_path)
    app.ehr.token_extra["smart_style_url"] = f"{server.url}/style.json"
    server.redirect("GET", "/style.json", f"{attacker.url}/internal/style.json", 302)
    attacker.json("GET", "/internal/style.json", {"color_background": "#ffffff"})
    handle = app.launch()

    css = app.clinician.get(f"/panel/{handle}/style.css")

    assert css.status_code == 200
    assert server.requests_to("/style.json")  # the EHR's own URL was tried ...
    assert attacker.received == []  # ... and its redirect was not followed


def test_every_smart_launch_error_names_no_secret(hostile):
    ehr, attacker = on_socket(hostile()), on_socket(hostile())
    ehr.server.redirect("POST", "/token", f"{attacker.server.url}/token?x=1", 307)
    client = smart_client()
    _, pending = begin(client, ehr)
    with pytest.raises(SmartLaunchError) as failed:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})
    text = f"{failed.value} {failed.value.message}"
    assert ehr.code not in text and pending.code_verifier not in text


def test_an_honest_launch_still_works(hostile):
    ehr = on_socket(hostile())
    context = launch_with(smart_client(), ehr)
    assert context.patient == "p1" and context.fhir_user == "Practitioner/p1"
