from __future__ import annotations

import pytest
import requests

from smart_launch import DiscoveryError, SmartClient, TransportError
from smart_launch.discovery import normalize_iss, parse_smart_configuration
from tests.support.clock import FakeClock
from tests.support.fake_http import FakeTransport
from tests.support.smart_bindings import AUTHORIZE, ISS, ISSUER, JWKS, TOKEN
from tests.support.smart_launches import query, smart_client
from tests.support.smart_server import SmartServer

SMART_CONFIG = f"{ISS}/.well-known/smart-configuration"
METADATA = f"{ISS}/metadata"


def test_discovery_resolves_relative_endpoints(client: SmartClient) -> None:
    config = client.discover(ISS + "/")
    assert config.authorization_endpoint == AUTHORIZE
    assert config.token_endpoint == TOKEN
    assert config.jwks_uri == JWKS
    assert config.issuer == ISSUER
    assert config.fhir_base == ISS
    assert config.supports_v2
    assert "launch-ehr" in config.capabilities
    assert config.code_challenge_methods_supported == ("S256",)
    assert config.raw["token_endpoint"] == "/token"


def test_discovery_is_cached_per_issuer_until_ttl(
    client: SmartClient, transport: FakeTransport, clock: FakeClock
) -> None:
    first = client.discover(ISS)
    clock.advance(3599)
    assert client.discover(ISS) is first
    assert len(transport.calls("GET", SMART_CONFIG)) == 1
    clock.advance(2)
    client.discover(ISS)
    assert len(transport.calls("GET", SMART_CONFIG)) == 2


def test_discovery_ttl_is_configurable(
    http: requests.Session, clock: FakeClock, ehr: SmartServer, transport: FakeTransport
) -> None:
    from smart_launch import ClientConfig

    client = SmartClient(ClientConfig("c", "https://app/cb"), http=http, clock=clock,
                         discovery_ttl=10)
    client.discover(ISS)
    clock.advance(11)
    client.discover(ISS)
    assert len(transport.calls("GET", SMART_CONFIG)) == 2


def test_falls_back_to_capability_statement_oauth_uris(
    http: requests.Session, clock: FakeClock, transport: FakeTransport
) -> None:
    transport.add("GET", SMART_CONFIG, (404, {"error": "nope"}))
    transport.add("GET", METADATA, (200, {
        "resourceType": "CapabilityStatement",
        "rest": [{"mode": "server", "security": {"extension": [{
            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            "extension": [
                {"url": "authorize", "valueUri": "https://legacy.example.org/authorize"},
                {"url": "token", "valueUri": "https://legacy.example.org/token"},
            ],
        }]}}],
    }))
    config = smart_client(http, clock=clock).discover(ISS)
    assert config.source == "capability-statement"
    assert config.authorization_endpoint == "https://legacy.example.org/authorize"
    assert config.token_endpoint == "https://legacy.example.org/token"
    assert not config.supports_v2
    assert config.issuer is None
    [meta] = transport.calls("GET", METADATA)
    assert meta.headers["Accept"] == "application/fhir+json"
    assert {r.method for r in transport.requests} == {"GET"}  # read-only


def test_no_smart_configuration_anywhere_is_a_discovery_error(
    http: requests.Session, clock: FakeClock, transport: FakeTransport
) -> None:
    transport.add("GET", SMART_CONFIG, (200, "<html>not here</html>"))
    transport.add("GET", METADATA, (200, {"resourceType": "CapabilityStatement", "rest": []}))
    with pytest.raises(DiscoveryError) as info:
        smart_client(http, clock=clock).discover(ISS)
    assert info.value.code == "no_smart_configuration"


def test_network_failure_is_a_transport_error(
    http: requests.Session, clock: FakeClock, transport: FakeTransport
) -> None:
    transport.add("GET", SMART_CONFIG, requests.ConnectTimeout("slow"))
    with pytest.raises(TransportError) as info:
        smart_client(http, clock=clock).discover(ISS)
    assert info.value.code == "timeout"
    assert isinstance(info.value.__cause__, requests.ConnectTimeout)


def test_pkce_is_not_gated_on_code_challenge_methods(
    client: SmartClient, ehr: SmartServer
) -> None:
    del ehr.config["code_challenge_methods_supported"]
    url, _ = client.begin_launch(ISS, launch="L1", needs={"Patient": "r"})
    assert "code_challenge_method=S256" in url


def test_jwks_uri_found_through_openid_configuration_and_cached(
    client: SmartClient, ehr: SmartServer, transport: FakeTransport
) -> None:
    del ehr.config["jwks_uri"]
    transport.add("GET", f"{ISSUER}/.well-known/openid-configuration",
                  (200, {"issuer": ISSUER, "jwks_uri": "https://ehr.example.org/oidc/keys"}))
    transport.add("GET", "https://ehr.example.org/oidc/keys", lambda _r: (200, ehr.jwks()))
    for _ in range(2):
        url, pending = client.begin_launch(ISS, launch="L1", needs={"Patient": "r"})
        ehr.nonce = pending.nonce
        context = client.complete_launch(
            pending, {"code": ehr.code, "state": pending.state}
        )
        assert context.fhir_user == "Practitioner/pr-7"
    assert len(transport.calls("GET", "https://ehr.example.org/oidc/keys")) == 1


def test_parse_and_normalize_helpers() -> None:
    assert normalize_iss(" https://x.org/fhir/ ") == "https://x.org/fhir"
    with pytest.raises(Exception, match="invalid_iss"):
        normalize_iss("javascript:alert(1)")
    with pytest.raises(DiscoveryError):
        parse_smart_configuration(ISS, {"authorization_endpoint": "a"})


def test_legacy_server_launch_skips_unverifiable_id_token_scopes(
    http: requests.Session, clock: FakeClock, transport: FakeTransport
) -> None:
    transport.add("GET", METADATA, (200, {"rest": [{"security": {"extension": [{
        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        "extension": [{"url": "authorize", "valueUri": "authorize"},
                      {"url": "token", "valueUri": "token"}]}]}}]}))
    client = smart_client(http, clock=clock)
    url, pending = client.begin_launch(ISS, launch="L", needs={"Patient": "r"})
    assert url.startswith(f"{ISS}/authorize?")
    assert pending.token_endpoint == f"{ISS}/token"
    assert pending.nonce is None
    assert query(url)["scope"] == "launch patient/Patient.read offline_access"
