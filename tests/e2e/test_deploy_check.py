"""`alliance check` against the sandbox EHR as a real server: its verdict, its scope syntax,
and the verdict when the sandbox is set up not to accept QuestionnaireResponse."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from plugin.cli import main
from tests.e2e.conftest import Deployment


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
