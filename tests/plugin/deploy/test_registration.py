"""`alliance registration`: per issuer, the client type, URLs and the exact scopes the
authorize request carries, from the settings `serve` reads (two EHRs in one TOML file)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from plugin.cli import main
from plugin.config import load_settings
from plugin.deploy.interactions import AUDIT, INTERACTIONS
from plugin.deploy.registration import registrations
from plugin.launch.issuers import issuers_from, smart_client_for
from plugin.launch.scopes import NEEDS
from smart_launch.keystore import KeyStore
from tests.support.fake_http import fake_session

EPIC = "https://epic.example.org/api/FHIR/R4"
ORACLE = "https://oracle.example.org/r4/tenant"
STORE = "https://records.example.org/fhir"
TOML = """\
public_url = "https://alliance.example.org"
secret_key = "{secret}"
data_dir = "{data}"
audit_destination = "record-store"
record_store_url = "{store}"
private_key_file = "{pem}"

[issuers."{epic}"]
client_id = "epic-prod"
key_dir = "{keys}"
scope_syntax = "v1"
record_store_url = "{store}"

[issuers."{oracle}"]
client_id = "oracle-app"
client_secret = "s3cret"
access = "online"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    KeyStore(tmp_path / "keys").add("RS384")
    from smart_launch.keys import generate_private_key_pem
    pem = tmp_path / "top.pem"
    pem.write_bytes(generate_private_key_pem("RS384"))
    path = tmp_path / "alliance.toml"
    path.write_text(TOML.format(secret=secrets.token_urlsafe(32), data=tmp_path / "var",
                                store=STORE, pem=pem, epic=EPIC, keys=tmp_path / "keys",
                                oracle=ORACLE))
    return path


def authorize_scope(issuer, v2: bool) -> list[str]:
    """The scope of the authorize URL the app really builds for this issuer."""
    http, transport = fake_session()
    host = issuer.iss.split("/")[2]
    transport.add("GET", f"{issuer.iss}/.well-known/smart-configuration", (200, {
        "issuer": f"https://{host}", "authorization_endpoint": f"https://{host}/authorize",
        "token_endpoint": f"https://{host}/token", "code_challenge_methods_supported": ["S256"],
        "capabilities": ["launch-ehr", *(["permission-v2"] if v2 else [])]}))
    client = smart_client_for(issuer, "https://alliance.example.org/callback", http=http)
    url, _ = client.begin_launch(issuer.iss, launch="L1", needs=NEEDS,
                                 extra_scopes=issuer.extra_scopes,
                                 scope_syntax=issuer.scope_syntax)
    return parse_qs(urlsplit(url).query)["scope"][0].split()


def test_each_issuer_lists_its_client_type_urls_and_the_scopes_its_launch_asks_for(
        config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_CONFIG", str(config_file))
    settings = load_settings()
    found = {r.iss: r for r in registrations(settings)}
    epic, oracle = found[EPIC], found[ORACLE]
    assert (epic.client_type, epic.auth_method) == ("confidential asymmetric",
                                                   "private_key_jwt (RS384)")
    assert epic.jwks_url == "https://alliance.example.org/.well-known/jwks.json"
    assert (oracle.client_type, oracle.auth_method) == ("confidential symmetric",
                                                       "client_secret_basic")
    assert oracle.jwks_url is None
    assert epic.redirect_uri == oracle.redirect_uri == "https://alliance.example.org/callback"
    assert epic.launch_url == "https://alliance.example.org/launch"
    issuers = issuers_from(settings)
    # v1 forced for Epic; Oracle follows discovery, so both syntaxes are listed
    assert list(epic.scopes) == ["v1"]
    assert epic.scopes["v1"] == authorize_scope(issuers[EPIC], v2=True)
    assert oracle.scopes["v2"] == authorize_scope(issuers[ORACLE], v2=True)
    assert oracle.scopes["v1"] == authorize_scope(issuers[ORACLE], v2=False)
    assert "online_access" in oracle.scopes["v2"] and "offline_access" in epic.scopes["v1"]
    assert epic.backend is not None and epic.backend.client_id == "epic-prod"
    assert "system/AuditEvent.c" in epic.backend.scopes
    assert "system/QuestionnaireResponse.cruds" in epic.backend.scopes
    assert oracle.backend is None
    audit_rows = [r for r in epic.interactions if r["server"] == AUDIT]
    assert {r["at"] for r in audit_rows} == {STORE}
    assert len(audit_rows) == sum(1 for i in INTERACTIONS if i.server == AUDIT)


def test_the_command_prints_markdown_and_json(config_file: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALLIANCE_CONFIG", str(config_file))
    assert main(["registration"]) == 0
    text = capsys.readouterr().out
    assert f"## {EPIC}" in text and f"## {ORACLE}" in text
    assert "| GET [base]/Encounter?patient=..&_count=.. | search-type | batch |" in text
    assert "If-None-Exist: identifier=.." in text
    assert main(["registration", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["iss"] for r in data] == [EPIC, ORACLE]
    assert data[1]["client_type"] == "confidential symmetric"


def test_a_bad_setting_is_named_and_nothing_is_printed(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ALLIANCE_CONFIG", raising=False)
    for name in ("ALLIANCE_PUBLIC_URL", "ALLIANCE_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["registration"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "public_url" in out.err.lower()


DOC = Path(__file__).resolve().parents[3] / "docs" / "registration.md"
DEMO = {"public_url": "http://127.0.0.1:8080", "client_id": "alliance-panel-demo",
        "allowed_iss": "http://localhost:8081/fhir", "development": True,
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy", "data_dir": "/tmp/unused"}


def demo_example() -> str:
    """What `alliance registration` prints for the demo's settings, its headings moved two
    levels down to sit inside docs/registration.md."""
    from plugin.deploy.registration_command import format_markdown
    text = format_markdown(registrations(load_settings(DEMO)))
    return "".join(f"##{line}" if line.startswith("#") else line
                   for line in text.splitlines(keepends=True))


def test_the_docs_example_is_what_the_command_prints_for_the_demo() -> None:
    doc = DOC.read_text()
    example = doc.split("<!-- registration:begin -->\n")[1].split("<!-- registration:end -->")[0]
    assert example == demo_example(), "regenerate the example in docs/registration.md"
