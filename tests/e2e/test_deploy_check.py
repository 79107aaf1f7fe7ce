"""`alliance check` against the sandbox EHR as a real server: its verdict, its scope syntax,
and the verdict when the sandbox is set up not to accept QuestionnaireResponse."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from plugin.cli import main
from plugin.fhir.cli_access import fhir_client_from_arguments
from plugin.web import create_app
from plugin.web.services import EXTENSION
from tests.support.deployment import Deployment
from tests.support.tls import make_test_ca


@pytest.fixture(autouse=True)
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox speaks plain http, which only a developer's machine may use."""
    monkeypatch.setenv("ALLIANCE_DEVELOPMENT", "true")


def check(iss: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, dict]:
    code = main(["check", "--iss", iss, "--json"])
    report = json.loads(capsys.readouterr().out)
    return code, report, {(r["area"], r["item"]): r for r in report["checks"]}


def test_the_sandbox_keeps_records_and_speaks_v2(deploy: Callable[..., Deployment],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, report, rows = check(deploy().iss, capsys)
    assert (code, report["verdict"]) == (0, "records in the EHR"), report
    assert rows[("smart", "scope syntax")]["detail"] == "SMART v2 scopes"
    assert rows[("smart", "PKCE S256")]["result"] == "ok"


def test_a_v1_sandbox_without_questionnaireresponse_writes_needs_a_companion(
        deploy: Callable[..., Deployment], capsys: pytest.CaptureFixture[str]) -> None:
    ehr = deploy(scope_syntax="v1", ehr_writable=frozenset({"Observation", "Provenance"}))
    code, report, rows = check(ehr.iss, capsys)
    assert (code, report["verdict"]) == (1, "a companion store is needed"), report
    assert rows[("smart", "scope syntax")]["detail"] == "SMART v1 scopes"
    assert rows[("records", "QuestionnaireResponse create")]["result"] == "missing"
    assert main(["check", "--iss", ehr.iss]) == 1
    assert capsys.readouterr().out.rstrip().endswith("a companion store is needed (exit 1)")


def test_an_address_that_is_no_ehr_cannot_be_used(deploy: Callable[..., Deployment],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ehr = deploy()
    code, report, _ = check(f"{ehr.app.url}/not-fhir", capsys)
    assert (code, report["verdict"]) == (2, "this EHR cannot be used")


def test_a_plain_http_issuer_is_refused_outside_development_as_serve_refuses_it(
        deploy: Callable[..., Deployment], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from plugin.config import load_settings
    from plugin.errors import ConfigError

    monkeypatch.delenv("ALLIANCE_DEVELOPMENT")
    iss = deploy().iss
    assert main(["check", "--iss", iss]) == 2
    said = capsys.readouterr()
    assert said.out == ""
    with pytest.raises(ConfigError) as refused:  # what serve says of the same issuer
        load_settings({"public_url": "https://app.example.org", "client_id": "c",
                       "allowed_iss": iss, "secret_key": "x8Tq2LmZ0vR7yW4pNc6BfJ1sKd9HgE3a"})
    rule = f"{iss} is plain http; use https (or set ALLIANCE_DEVELOPMENT=true on a developer's " \
        "machine)"
    assert rule in said.err
    assert rule in str(refused.value)


def test_an_internal_ca_is_trusted_through_alliance_ca_bundle_by_check_install_and_serve(
        deploy: Callable[..., Deployment], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca = make_test_ca(tmp_path / "ca")
    ehr = deploy(tls=ca)
    monkeypatch.delenv("ALLIANCE_DEVELOPMENT")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)

    code, report, rows = check(ehr.iss, capsys)  # the hospital's CA is not trusted yet
    assert (code, report["verdict"]) == (2, "this EHR cannot be used")
    said = rows[("discovery", "SMART configuration")]["detail"]
    assert "could not be verified" in said and "ALLIANCE_CA_BUNDLE" in said

    monkeypatch.setenv("ALLIANCE_CA_BUNDLE", str(ca.ca_file))
    code, report, _ = check(ehr.iss, capsys)
    assert (code, report["verdict"]) == (0, "records in the EHR"), report

    # install (and audit) reach the server through the same setting
    access = argparse.Namespace(token_env=None, client_id=None, key_file=None, key_alg="RS384")
    assert fhir_client_from_arguments(ehr.iss, access, ()).capabilities()["resourceType"] == \
        "CapabilityStatement"
    # and so does serve, whatever REQUESTS_CA_BUNDLE says
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    settings = {"public_url": ehr.app.url, "client_id": ehr.client_id, "allowed_iss": ehr.iss,
                "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                "data_dir": str(tmp_path / "serve"), "ca_bundle": str(ca.ca_file)}
    outbound = create_app(settings).extensions[EXTENSION].http
    assert outbound.get(f"{ehr.iss}/metadata", timeout=10).status_code == 200


def test_a_ca_bundle_that_holds_no_certificate_is_refused_naming_the_setting(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("hello")
    monkeypatch.setenv("ALLIANCE_CA_BUNDLE", str(not_pem))
    assert main(["check", "--iss", "https://ehr.example.org/fhir"]) == 2
    said = capsys.readouterr().err
    assert "ALLIANCE_CA_BUNDLE" in said and "holds no PEM certificate" in said


def test_serve_names_the_ca_setting_when_an_ehr_certificate_is_not_trusted(
        deploy: Callable[..., Deployment], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    ca = make_test_ca(tmp_path / "ca")
    ehr = deploy(tls=ca)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    settings = {"public_url": ehr.app.url, "client_id": ehr.client_id, "allowed_iss": ehr.iss,
                "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                "data_dir": str(tmp_path / "serve")}
    browser = create_app(settings).test_client()
    answer = browser.get("/launch", query_string={"iss": ehr.iss, "launch": "x"})
    assert answer.status_code == 502
    said = [r.getMessage() for r in caplog.records if r.name == "plugin.web.errors"]
    assert any("could not be verified" in line and "ALLIANCE_CA_BUNDLE" in line
               for line in said), said
