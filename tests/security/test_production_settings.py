"""Findings 11 and 12 (settings): https for public_url, allowed_iss and the companion store
unless the development flag is set (the sandbox demo sets it); the secret key checked for
entropy, not only length; the session database created readable by its owner only."""

from __future__ import annotations

import secrets
import stat

import pytest

from plugin.config import load_settings
from plugin.errors import ConfigError
from plugin.web import create_app
from tests.support.fake_http import fake_session

GOOD = {
    "public_url": "https://alliance.example.org",
    "client_id": "alliance",
    "allowed_iss": "https://ehr.example.org/fhir",
    "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
}


@pytest.mark.parametrize("name, value", [
    ("public_url", "http://alliance.example.org"),
    ("allowed_iss", "https://ehr.example.org/fhir, http://other.example.org/fhir"),
    ("allowed_iss", "http://ehr.example.org/fhir"),
])
def test_plain_http_is_refused_outside_development(name, value):
    with pytest.raises(ConfigError) as refused:
        load_settings({**GOOD, name: value})
    assert f"ALLIANCE_{name.upper()}" in refused.value.message
    assert "https" in refused.value.message


def test_a_plain_http_companion_store_is_refused(tmp_path):
    key = tmp_path / "key.pem"
    from smart_launch import generate_private_key_pem

    key.write_bytes(generate_private_key_pem())
    with pytest.raises(ConfigError, match="ALLIANCE_RECORD_STORE_URL"):
        load_settings({**GOOD, "record_store_url": "http://records.example.org/fhir",
                       "private_key_file": str(key)})


def test_the_development_flag_allows_http():
    settings = load_settings({**GOOD, "public_url": "http://127.0.0.1:8080",
                              "allowed_iss": "http://localhost:8081/fhir", "development": True})
    assert settings.development and not settings.secure_cookies


@pytest.mark.parametrize("key", [
    "k" * 40, "test-secret-key-" + "x" * 32, "ab" * 20, "0123456789" * 4,
    "passwordpasswordpasswordpassword",
])
def test_a_predictable_secret_key_is_refused(key):
    with pytest.raises(ConfigError, match="ALLIANCE_SECRET_KEY"):
        load_settings({**GOOD, "secret_key": key})


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(32),
                                  lambda: secrets.token_hex(32), lambda: secrets.token_hex(16)])
def test_a_random_secret_key_is_accepted(make):
    # Many draws, not one: a rule that refuses 1 random key in 60 must fail here.
    refused = []
    for _ in range(500):
        key = make()
        try:
            load_settings({**GOOD, "secret_key": key})
        except ConfigError:
            refused.append(key)
    assert refused == []


def test_the_sandbox_demo_runs_in_development_mode(tmp_path, monkeypatch):
    from ehr_sandbox import demo

    # The app's settings are what this test reads: the sandbox it would build beside the app
    # (a cohort with its alliance histories, several seconds) is left out here; the demo runs
    # whole in tests/plugin/test_first_steps.py.
    built: list[object] = []
    monkeypatch.setattr(demo, "create_sandbox", built.append)
    _, app, _ = demo.build(0, 0, tmp_path)
    assert len(built) == 1
    found = app.extensions["alliance"]  # type: ignore[attr-defined]
    settings = found.settings if hasattr(found, "settings") else found["settings"]
    assert settings.development


def test_a_production_app_refuses_an_http_endpoint_from_discovery(tmp_path):
    http, transport = fake_session()
    transport.add("GET", "https://ehr.example.org/fhir/.well-known/smart-configuration", (200, {
        "authorization_endpoint": "https://ehr.example.org/authorize",
        "token_endpoint": "http://ehr.example.org/token"}))
    transport.add("GET", "https://ehr.example.org/fhir/metadata", (200, {}))
    app = create_app({**GOOD, "data_dir": str(tmp_path)}, http=http)
    answer = app.test_client().get("/launch", query_string={
        "iss": "https://ehr.example.org/fhir", "launch": "L1"})
    assert answer.status_code in (400, 502)
    assert "insecure_endpoint" in answer.get_data(as_text=True)


def test_the_session_database_is_readable_by_its_owner_only(tmp_path):
    create_app({**GOOD, "data_dir": str(tmp_path / "app")}, http=fake_session()[0])
    mode = stat.S_IMODE((tmp_path / "app" / "sessions.sqlite3").stat().st_mode)
    assert mode == 0o600, oct(mode)
