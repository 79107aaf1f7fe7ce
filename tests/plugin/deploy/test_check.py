"""`alliance check`: the verdict follows the app's own rule, SMART gaps make an EHR unusable,
and a server that claims v2 scopes but lists v1 ones is flagged."""

from __future__ import annotations

import json

import pytest

from plugin.deploy.check import COMPANION, IN_EHR, UNUSABLE, check_ehr, format_readiness
from plugin.fhir.client import FhirClient
from smart_launch import ClientConfig, SmartClient
from tests.support.fake_http import fake_session

ISS = "https://ehr.example.org/r4"
SMART = {"issuer": "https://ehr.example.org", "authorization_endpoint": "https://ehr.example.org/auth",
         "token_endpoint": "https://ehr.example.org/token",
         "capabilities": ["launch-ehr", "context-ehr-patient", "context-ehr-encounter",
                          "permission-v2", "client-confidential-asymmetric"],
         "code_challenge_methods_supported": ["S256"]}


def capability(*, writable: tuple[str, ...] = ("QuestionnaireResponse", "Observation",
                                                "Provenance", "AuditEvent"),
               transaction: bool = True) -> dict:
    types = ("Patient", "Encounter", "QuestionnaireResponse", "Observation", "Provenance",
             "AuditEvent")
    return {"resourceType": "CapabilityStatement", "rest": [{
        "mode": "server",
        "interaction": [{"code": "transaction"}] if transaction else [],
        "resource": [{"type": t, "conditionalCreate": t in writable, "interaction": [
            {"code": "read"}, {"code": "search-type"},
            *([{"code": "create"}] if t in writable else [])]} for t in types]}]}


def run(smart: dict | None, statement: dict | None):
    http, transport = fake_session()
    transport.add("GET", f"{ISS}/.well-known/smart-configuration",
                  (200, smart) if smart else (404, {}))
    transport.add("GET", f"{ISS}/metadata", (200, statement) if statement else (500, {}))
    client = SmartClient(ClientConfig(client_id="check", redirect_uri="https://a.example/cb"),
                         http=http)
    report = check_ehr(ISS, discover=client.discover,
                       capabilities=FhirClient(ISS, http=http, retries=0).capabilities)
    return report, {(r.area, r.item): r for r in report.rows}, transport


def test_an_ehr_that_takes_every_record_keeps_them() -> None:
    report, rows, transport = run(SMART, capability())
    assert (report.verdict, report.exit_code) == (IN_EHR, 0)
    assert rows[("records", "AuditEvent create")].result == "ok"
    assert rows[("smart", "scope syntax")].detail == "SMART v2 scopes"
    assert all(t is not None for t in transport.timeouts)
    assert json.loads(json.dumps(report.as_json()))["verdict"] == IN_EHR
    assert format_readiness(report).endswith("records in the EHR (exit 0)")


def test_refusing_questionnaireresponse_create_needs_a_companion_store() -> None:
    report, rows, _ = run(SMART, capability(writable=("Observation", "Provenance")))
    assert (report.verdict, report.exit_code) == (COMPANION, 1)
    assert rows[("records", "QuestionnaireResponse create")].result == "missing"
    assert "JSON-lines" in rows[("audit", "AuditEvent destination")].detail


def test_missing_transaction_and_conditional_create_are_warnings_not_verdicts() -> None:
    statement = capability(transaction=False)
    for resource in statement["rest"][0]["resource"]:
        resource["conditionalCreate"] = False
    report, rows, _ = run(SMART, statement)
    assert report.verdict == IN_EHR
    assert rows[("records", "transaction")].result == "warning"
    assert rows[("records", "Observation conditional create")].result == "warning"


@pytest.mark.parametrize(("change", "item"), [
    ({"capabilities": ["context-ehr-patient"]}, "launch-ehr"),
    ({"code_challenge_methods_supported": ["plain"]}, "PKCE S256")])
def test_an_ehr_without_ehr_launch_or_pkce_cannot_be_used(change: dict, item: str) -> None:
    report, rows, _ = run({**SMART, **change}, capability())
    assert (report.verdict, report.exit_code) == (UNUSABLE, 2)
    assert rows[("smart", item)].result == "missing"


def test_no_discovery_at_all_is_unusable() -> None:
    report, rows, _ = run(None, None)
    assert report.verdict == UNUSABLE
    assert rows[("discovery", "SMART configuration")].result == "missing"


def test_a_v2_claim_with_only_v1_scopes_is_flagged() -> None:
    smart = {**SMART, "scopes_supported": ["launch", "patient/Encounter.read",
                                           "patient/Observation.write"]}
    _, rows, _ = run(smart, capability())
    row = rows[("smart", "scope syntax")]
    assert row.result == "warning" and 'scope_syntax = "v1"' in row.detail


def run_with_batch(answer: tuple[int, dict], statement: dict | None = None):
    http, transport = fake_session()
    transport.add("GET", f"{ISS}/.well-known/smart-configuration", (200, SMART))
    transport.add("GET", f"{ISS}/metadata", (200, statement or capability()))
    transport.add("POST", ISS, answer)
    client = SmartClient(ClientConfig(client_id="check", redirect_uri="https://a.example/cb"),
                         http=http)
    fhir = FhirClient(ISS, http=http, retries=0)
    report = check_ehr(ISS, discover=client.discover, capabilities=fhir.capabilities,
                       batch=lambda bundle: fhir.transaction(bundle, idempotent=True))
    posted = [r.json() for r in transport.calls("POST", ISS)]
    return report, {(r.area, r.item): r for r in report.rows}, posted


def test_check_sends_a_read_only_batch_and_says_the_ehr_takes_it() -> None:
    report, rows, posted = run_with_batch(
        (200, {"resourceType": "Bundle", "type": "batch-response", "entry": []}))
    assert posted == [{"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": "Patient?_count=1"}}]}]
    assert rows[("reads", "batch")].result == "ok"
    assert report.verdict == IN_EHR


@pytest.mark.parametrize("answer", [
    (405, {}), (501, {}),
    (400, {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "not-supported", "diagnostics": "batch not supported"}]})])
def test_check_reports_clearly_when_the_ehr_refuses_batch(answer: tuple[int, dict]) -> None:
    report, rows, _ = run_with_batch(answer)
    row = rows[("reads", "batch")]
    assert row.result == "warning" and row.detail.startswith("REFUSED")
    assert "side by side" in row.detail
    assert "batch" in format_readiness(report)
    assert report.verdict == IN_EHR  # the panel still works, in several round trips


def test_check_says_when_batch_could_not_be_tried_without_a_token() -> None:
    _, rows, _ = run_with_batch((401, {}))
    assert rows[("reads", "batch")].result == "warning"
    assert "--token-env" in rows[("reads", "batch")].detail
