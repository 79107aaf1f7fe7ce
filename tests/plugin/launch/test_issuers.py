"""Per-EHR settings: each issuer's table is checked (every problem named at once, by table
and key), and each issuer's SmartClient authenticates as that issuer's client only."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from plugin.errors import ConfigError
from plugin.launch.issuers import parse_issuer_tables, smart_client_for
from smart_launch import generate_private_key_pem
from smart_launch.keystore import KeyStore
from tests.support.fake_http import fake_session

EPIC = "https://epic.example.org/api/FHIR/R4"
ORACLE = "https://oracle.example.org/r4/tenant"


def smart_configuration(iss: str) -> dict:
    host = iss.split("/")[2]
    return {"issuer": f"https://{host}", "authorization_endpoint": f"https://{host}/authorize",
            "token_endpoint": f"https://{host}/token", "code_challenge_methods_supported": ["S256"],
            "capabilities": ["launch-ehr", "context-ehr-patient", "permission-v2"]}


def test_two_issuers_with_their_own_clients_scopes_and_access(tmp_path: Path) -> None:
    KeyStore(tmp_path / "epic-keys").add("RS384")
    issuers = parse_issuer_tables({
        EPIC: {"client_id": "epic-prod", "key_dir": str(tmp_path / "epic-keys"),
               "scope_syntax": "v1"},
        f"{ORACLE}/": {"client_id": "oracle-app", "client_secret": "s3cret", "access": "online"},
    })
    assert set(issuers) == {EPIC, ORACLE}
    http, transport = fake_session()
    for iss in (EPIC, ORACLE):
        transport.add("GET", f"{iss}/.well-known/smart-configuration",
                      (200, smart_configuration(iss)))
    urls = {}
    for iss, issuer in issuers.items():
        client = smart_client_for(issuer, "https://app.example.org/callback", http=http)
        url, _ = client.begin_launch(iss, launch="L1", needs={"Encounter": "rs"},
                                     extra_scopes=issuer.extra_scopes,
                                     scope_syntax=issuer.scope_syntax)
        urls[iss] = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert urls[EPIC]["client_id"] == "epic-prod" and urls[ORACLE]["client_id"] == "oracle-app"
    assert "patient/Encounter.read" in urls[EPIC]["scope"].split()  # forced v1
    assert "patient/Encounter.rs" in urls[ORACLE]["scope"].split()  # discovery says v2
    assert "offline_access" in urls[EPIC]["scope"] and "online_access" in urls[ORACLE]["scope"]
    assert urls[EPIC]["redirect_uri"] == urls[ORACLE]["redirect_uri"]


def test_every_problem_is_named_by_table_and_key(tmp_path: Path) -> None:
    not_a_key = tmp_path / "public.txt"
    not_a_key.write_text("hello")
    with pytest.raises(ConfigError) as caught:
        parse_issuer_tables({
            EPIC: {"client_secret": "a", "private_key_file": str(not_a_key),
                   "scope_syntax": "v3", "colour": "blue"},
            "not-a-url": {"client_id": "x"},
            "https://third.example.org/fhir": {"client_id": "t",
                                               "private_key_file": str(not_a_key)},
            ORACLE: {"client_id": "o", "record_store_url": "https://records.example.org/fhir",
                     "key_dir": str(tmp_path / "nowhere")},
        })
    message = caught.value.message
    for expected in (f'[issuers."{EPIC}"] client_id: missing',
                     f'[issuers."{EPIC}"] scope_syntax: \'v3\' is not one of auto, v1, v2',
                     f'[issuers."{EPIC}"]: unknown key(s) colour',
                     "set one of client_secret, private_key_file or key_dir",
                     f'[issuers."https://third.example.org/fhir"] private_key_file: {not_a_key} is '
                     "not a PEM private key",
                     '[issuers."not-a-url"]: the table name must be the EHR',
                     f'[issuers."{ORACLE}"] key_dir: {tmp_path / "nowhere"} has no keys.json'):
        assert expected in message, message


def test_a_companion_store_needs_a_key_and_an_empty_issuers_table_is_refused() -> None:
    with pytest.raises(ConfigError, match="companion record store .* needs private_key_file"):
        parse_issuer_tables({EPIC: {"client_id": "e", "record_store_mode": "companion"}})
    with pytest.raises(ConfigError, match="one table per EHR"):
        parse_issuer_tables({})


def test_a_key_file_issuer_signs_with_that_key(tmp_path: Path) -> None:
    pem = tmp_path / "oracle.pem"
    pem.write_bytes(generate_private_key_pem("ES384"))
    [issuer] = parse_issuer_tables({ORACLE: {"client_id": "o", "private_key_file": str(pem),
                                             "private_key_alg": "ES384"}}).values()
    client = smart_client_for(issuer, "https://app.example.org/callback")
    assert issuer.signs and [k["crv"] for k in client.public_jwks()["keys"]] == ["P-384"]
    assert "PRIVATE" not in repr(issuer)


def test_one_app_two_issuers_each_with_its_client_syntax_and_access(tmp_path: Path) -> None:
    """The whole configuration path: TOML-shaped settings with two issuer tables, the app's
    /launch redirect for each, and the app's one JWKS carrying the key-file issuer's key."""
    from plugin.config import load_settings
    from plugin.web import create_app

    pem = tmp_path / "oracle.pem"
    pem.write_bytes(generate_private_key_pem("RS384"))
    settings = load_settings({
        "public_url": "https://app.example.org", "secret_key": secrets.token_urlsafe(32),
        "data_dir": str(tmp_path / "var"),
        "issuers": {EPIC: {"client_id": "epic-prod", "scope_syntax": "v1"},
                    ORACLE: {"client_id": "oracle-app", "private_key_file": str(pem),
                             "access": "online"}}})
    assert settings.allowed_iss == (EPIC, ORACLE) and settings.client_id == "epic-prod"
    http, transport = fake_session()
    for iss in (EPIC, ORACLE):
        transport.add("GET", f"{iss}/.well-known/smart-configuration",
                      (200, smart_configuration(iss)))
        transport.add("GET", f"{iss}/metadata", (200, {"resourceType": "CapabilityStatement"}))
    app = create_app(settings, http=http)
    browser = app.test_client()
    sent = {}
    for iss in (EPIC, ORACLE):
        answer = browser.get("/launch", query_string={"iss": iss, "launch": "L1"})
        while answer.status_code in (302, 303) and answer.location.startswith("/"):
            answer = browser.get(answer.location)  # the app's own cookie check first
        assert answer.status_code in (302, 303), answer.text[:500]
        sent[iss] = {k: v[0] for k, v in parse_qs(urlsplit(answer.location).query).items()}
        assert answer.location.startswith(smart_configuration(iss)["authorization_endpoint"])
    assert (sent[EPIC]["client_id"], sent[ORACLE]["client_id"]) == ("epic-prod", "oracle-app")
    assert "patient/Encounter.read" in sent[EPIC]["scope"].split()
    assert "patient/Encounter.rs" in sent[ORACLE]["scope"].split()
    assert "online_access" in sent[ORACLE]["scope"] and "offline_access" in sent[EPIC]["scope"]
    jwks = browser.get("/.well-known/jwks.json").get_json()
    assert len(jwks["keys"]) == 1 and jwks["keys"][0]["kty"] == "RSA"
    refused = browser.get("/launch", query_string={"iss": "https://other.example/fhir",
                                                   "launch": "L1"})
    assert refused.status_code == 400


def test_environment_variables_alone_still_configure_one_ehr(tmp_path: Path) -> None:
    from plugin.config import load_settings
    from plugin.launch.issuers import issuers_from

    settings = load_settings({"public_url": "https://app.example.org",
                              "secret_key": secrets.token_urlsafe(32), "client_id": "only-one",
                              "allowed_iss": f"{EPIC},{ORACLE}",
                              "data_dir": str(tmp_path)})
    issuers = issuers_from(settings)
    assert {i.client_id for i in issuers.values()} == {"only-one"}
    assert {i.scope_syntax for i in issuers.values()} == {"auto"}


def test_each_ehr_has_its_own_bounds_on_answers_over_the_top_level_ones(tmp_path: Path) -> None:
    from plugin.config import load_settings
    from plugin.launch.issuers import issuers_from

    settings = load_settings({
        "public_url": "https://alliance.example.org", "client_id": "top",
        "secret_key": secrets.token_urlsafe(32), "data_dir": str(tmp_path),
        "response_deadline_seconds": "12",
        "issuers": {EPIC: {"client_id": "e", "response_max_mib": 2, "response_max_depth": 100},
                    ORACLE: {"client_id": "o"}}})
    found = issuers_from(settings)
    assert found[EPIC].limits.max_bytes == 2 * 1024 * 1024
    assert found[EPIC].limits.max_depth == 100
    assert found[EPIC].limits.deadline == 12.0  # the top-level setting, not overridden
    assert found[ORACLE].limits.max_bytes == 32 * 1024 * 1024  # the project default
    assert found[ORACLE].limits.max_entries == 10_000
    with pytest.raises(ConfigError) as refused:
        parse_issuer_tables({EPIC: {"client_id": "e", "response_max_depth": 100_000,
                                    "response_deadline_seconds": "soon"}})
    assert "response_max_depth: 100000 is not a number from 8 to 256" in str(refused.value)
    assert "response_deadline_seconds: 'soon'" in str(refused.value)
