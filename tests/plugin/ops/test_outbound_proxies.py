"""The app's session reads the proxy environment once per server, with requests' own answer."""

from __future__ import annotations

import requests

from plugin.ops import outbound


def _settings(http: requests.Session, url: str) -> dict:
    return http.merge_environment_settings(url, {}, None, None, None)


def test_the_proxy_a_hospital_sets_still_applies_and_no_proxy_still_bypasses(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.hospital.example:3128")
    monkeypatch.setenv("NO_PROXY", "ehr.internal")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/hospital-ca.pem")
    http, plain = outbound.observe(requests.Session()), requests.Session()
    for url in ("https://fhir.example/r4/Patient/1", "https://ehr.internal/fhir/Encounter"):
        assert _settings(http, url) == _settings(plain, url)
    assert _settings(http, "https://fhir.example/r4/x")["proxies"]["https"] == (
        "http://proxy.hospital.example:3128")
    assert "https" not in _settings(http, "https://ehr.internal/fhir/x")["proxies"]
    assert _settings(http, "https://fhir.example/r4/x")["verify"] == "/etc/hospital-ca.pem"


def test_the_environment_is_read_once_per_server(monkeypatch):
    calls = []
    real = outbound.get_environ_proxies

    def counted(url, no_proxy=None):
        calls.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(outbound, "get_environ_proxies", counted)
    http = outbound.observe(outbound.observe(requests.Session()))  # observing twice: one cache
    for page in range(12):
        _settings(http, f"https://fhir.example/r4?_getpages=abc&_getpagesoffset={page * 50}")
    _settings(http, "https://records.example/fhir/QuestionnaireResponse")
    assert calls == ["https://fhir.example/", "https://records.example/"]


def test_a_session_that_does_not_trust_the_environment_gets_no_proxy_from_it(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.hospital.example:3128")
    http = requests.Session()
    http.trust_env = False
    assert "https" not in _settings(outbound.observe(http), "https://fhir.example/r4")["proxies"]
