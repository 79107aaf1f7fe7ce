"""Each setting is declared once: what loads, what a wrong value says, the issuer tables' keys
and docs/configuration.md all follow from that declaration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from plugin.config import HINTS, load_settings
from plugin.config.declare import declarations
from plugin.config.reference import render
from plugin.config.settings import Settings
from plugin.errors import ConfigError
from plugin.launch.issuers import parse_issuer_tables

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
GOOD = {
    "public_url": "https://alliance.example.org",
    "client_id": "alliance",
    "allowed_iss": "https://ehr.example/fhir",
    "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
}
EHR = "https://ehr.example/fhir"


def test_the_configuration_page_is_the_one_the_declarations_write():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md differs from the declarations: run "
        "`python -m plugin.config.reference > docs/configuration.md`")


def test_every_setting_loads_its_declared_default_and_is_on_the_page():
    settings = load_settings(GOOD)
    page = PAGE.read_text(encoding="utf-8")
    found = list(declarations(Settings))
    assert {d.name for d in found} == set(HINTS)
    for declared in found:
        assert f"| `{declared.env}` | `{declared.name}` |" in page
        if not declared.required:
            assert getattr(settings, declared.name) == declared.default, declared.name
    derived = {f.name for f in dataclasses.fields(Settings)} - set(HINTS)
    assert derived == {"private_key_pem", "norms", "origins"}


def test_an_unknown_name_is_answered_with_every_declared_one():
    with pytest.raises(ConfigError) as err:
        load_settings({**GOOD, "colour": "blue"})
    known = err.value.message.split("(known: ", 1)[1].split(")", 1)[0].split(", ")
    assert known == sorted(HINTS)


@pytest.mark.parametrize("key, value, words", [
    ("record_store_mode", "sometimes", "'sometimes' is not one of auto, ehr, companion"),
    ("private_key_alg", "HS256", "'HS256' is not one of RS384, ES384"),
    ("response_max_depth", 100_000, "100000 is not a number from 8 to 256"),
    ("response_deadline_seconds", "soon", "'soon' is not a number from 1 to 600"),
    ("record_store_url", "records.example.org", "not an http(s) URL: 'records.example.org'"),
])
def test_a_setting_and_an_issuer_key_of_one_name_say_the_same_when_wrong(key, value, words):
    with pytest.raises(ConfigError) as top:
        load_settings({**GOOD, key: value})
    with pytest.raises(ConfigError) as table:
        parse_issuer_tables({EHR: {"client_id": "e", "private_key_file": "/dev/null",
                                   key: value}})
    assert f"ALLIANCE_{key.upper()}: {words}" in top.value.message
    assert f'[issuers."{EHR}"] {key}: {words}' in table.value.message
