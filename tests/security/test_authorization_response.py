"""Findings 10 and 11: the `iss` response parameter is required when the server advertises it
(RFC 9207), and every discovered endpoint must be https unless the development flag is set."""

from __future__ import annotations

import pytest

from smart_launch import ClientConfig, SmartClient, SmartLaunchError
from tests.support.fake_http import fake_session
from tests.support.smart_bindings import on_socket
from tests.support.smart_launches import NEEDS, begin, smart_client

from .app_harness import app_under_attack

# -- finding 10: a callback without iss -------------------------------------------------------


def test_callback_without_iss_is_refused_when_the_server_promises_one(hostile):
    ehr = on_socket(hostile())
    ehr.config["authorization_response_iss_parameter_supported"] = True
    client = smart_client()
    _, pending = begin(client, ehr)

    with pytest.raises(SmartLaunchError) as refused:
        client.complete_launch(pending, {"code": ehr.code, "state": pending.state})

    assert refused.value.code == "missing_iss"
    assert ehr.server.requests_to("/token") == []  # the code was not spent


def test_callback_with_the_promised_iss_completes(hostile):
    ehr = on_socket(hostile())
    ehr.config["authorization_response_iss_parameter_supported"] = True
    client = smart_client()
    _, pending = begin(client, ehr)
    context = client.complete_launch(
        pending, {"code": ehr.code, "state": pending.state, "iss": ehr.server.url})
    assert context.patient == "p1"


def test_callback_without_iss_is_accepted_from_a_server_that_promises_nothing(hostile):
    ehr = on_socket(hostile())
    client = smart_client()
    _, pending = begin(client, ehr)
    assert client.complete_launch(pending, {"code": ehr.code, "state": pending.state}).patient


def test_the_app_refuses_a_callback_without_the_promised_iss(hostile, tmp_path):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    app.ehr.config["authorization_response_iss_parameter_supported"] = True
    browser = app.browser()
    answer = app.finish(browser, app.start(browser))
    assert answer.status_code == 400
    assert "missing_iss" in answer.get_data(as_text=True)
    assert server.requests_to("/token") == []


# -- finding 11: http endpoints under an https issuer -----------------------------------------

HTTPS_BASE = "https://ehr.example.org/fhir"


def _discover(config: dict, *, iss: str = HTTPS_BASE, allow_http: bool = False):
    http, transport = fake_session()
    transport.add("GET", f"{iss}/.well-known/smart-configuration", (200, config))
    flag = {"allow_http": True} if allow_http else {}
    client = SmartClient(ClientConfig("c", "https://app.example.org/callback", **flag), http=http)
    return client, transport


GOOD = {"issuer": "https://ehr.example.org", "authorization_endpoint": "https://ehr.example.org/a",
        "token_endpoint": "https://ehr.example.org/t", "jwks_uri": "https://ehr.example.org/k"}


@pytest.mark.parametrize("field", ["token_endpoint", "authorization_endpoint", "jwks_uri",
                                   "issuer"])
def test_an_http_endpoint_under_an_https_base_is_refused(field):
    config = {**GOOD, field: GOOD[field].replace("https://", "http://")}
    client, transport = _discover(config)
    with pytest.raises(SmartLaunchError) as refused:
        client.begin_launch(HTTPS_BASE, launch="L1", needs=NEEDS)
    assert refused.value.code == "insecure_endpoint"
    assert field in refused.value.message
    assert [r.url for r in transport.sent] == [f"{HTTPS_BASE}/.well-known/smart-configuration"]


def test_an_http_fhir_base_on_a_network_host_is_refused_before_any_request():
    base = "http://ehr.example.org/fhir"
    client, transport = _discover({**GOOD}, iss=base)
    with pytest.raises(SmartLaunchError, match="insecure_endpoint"):
        client.begin_launch(base, launch="L1", needs=NEEDS)
    assert transport.sent == []


def test_the_development_flag_allows_http():
    base = "http://ehr.example.org/fhir"
    config = {k: v.replace("https://", "http://") for k, v in GOOD.items()}
    client, _ = _discover(config, iss=base, allow_http=True)
    url, _pending = client.begin_launch(base, launch="L1", needs=NEEDS)
    assert url.startswith("http://ehr.example.org/a?")


def test_https_endpoints_are_accepted():
    client, _ = _discover(GOOD)
    url, _pending = client.begin_launch(HTTPS_BASE, launch="L1", needs=NEEDS)
    assert url.startswith("https://ehr.example.org/a?")
