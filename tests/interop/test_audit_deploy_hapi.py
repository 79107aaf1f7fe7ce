"""The auditor's and the integrator's commands against HAPI FHIR (JPA, R4): `alliance install`
twice leaves one copy of each resource; the app's BALP AuditEvents validate in HAPI against
the BALP profiles (our stand-ins, loaded by install); `alliance audit` passes on records the
app's own builders wrote and fails, naming them, when one stored Observation and one line of
the audit log are altered; `alliance check` gives HAPI's verdict and that of a server whose
CapabilityStatement refuses QuestionnaireResponse create."""

from __future__ import annotations

import copy
import datetime
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

import fhir_profiles
from plugin.audit.balp import (
    PATIENT_PROFILES,
    AuditActor,
    AuditRecord,
    build_audit_event,
    token_identity,
)
from plugin.audit.sink import JsonLinesSink
from plugin.audit.trail import EVENT_TAG_SYSTEM, AuditTrail, deliver_to_fhir
from plugin.cli import main
from plugin.deploy.install import package_resources
from plugin.fhir.client import FhirClient
from plugin.fhir.record_bundles import (
    Submission,
    build_correction_bundle,
    build_entered_in_error_bundle,
    build_submission_bundle,
)
from plugin.fhir.record_resources import SCORE_SYSTEM, SUBMISSION_SYSTEM
from tests.support.interop import Servers
from tests.support.servers import LiveServer

pytestmark = pytest.mark.interop

FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
PATIENT, PRACTITIONER = "audit-p1", "audit-pr1"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@dataclass
class Records:
    hapi: str
    fhir: FhirClient
    sink: JsonLinesSink
    qr_ids: dict[str, str] = field(default_factory=dict)


def _search(hapi: str, path: str, **params: str) -> list[dict]:
    answer = requests.get(f"{hapi}/{path}", params=params, headers=FHIR_JSON, timeout=30)
    answer.raise_for_status()
    return [e["resource"] for e in answer.json().get("entry") or []]


def _validate(hapi: str, resource: dict) -> list[str]:
    answer = requests.post(f"{hapi}/{resource['resourceType']}/$validate", json=resource,
                           headers=FHIR_JSON, timeout=120)
    issues = answer.json().get("issue") or []
    return [f"{i.get('diagnostics')} @ {i.get('expression')}" for i in issues
            if i.get("severity") in ("error", "fatal")]


def _actor(hapi: str) -> AuditActor:
    return AuditActor(client_id="alliance-public", app_name="Alliance Panel",
                      app_version="0.1.0", app_address="http://127.0.0.1:8080", server=hapi,
                      token_id=token_identity("an-opaque-access-token"),
                      fhir_user=f"Practitioner/{PRACTITIONER}")


def test_install_twice_leaves_one_copy_of_each_resource(servers: Servers, capsys) -> None:
    assert main(["install", "--fhir", servers.hapi, "--balp-standins"]) == 0
    first = capsys.readouterr().out
    assert main(["install", "--fhir", servers.hapi, "--balp-standins"]) == 0
    second = capsys.readouterr().out
    resources = package_resources(with_balp_standins=True)
    assert f"{len(resources)} unchanged" in second.splitlines()[-1], second
    assert "created" in first or "updated" in first or "unchanged" in first
    for resource in resources:
        copies = _search(servers.hapi, resource["resourceType"], url=resource["url"])
        versions = [c.get("version") for c in copies]
        assert versions.count(resource.get("version")) == 1, (resource["url"], versions)


def test_audit_events_validate_against_the_balp_profiles(servers: Servers) -> None:
    hapi, actor = servers.hapi, _actor(servers.hapi)
    for kind, resource_id in (("Patient", PATIENT), ("Practitioner", PRACTITIONER)):
        requests.put(f"{hapi}/{kind}/{resource_id}", headers=FHIR_JSON, timeout=30,
                     json={"resourceType": kind, "id": resource_id}).raise_for_status()
    events = {
        "read": build_audit_event(AuditRecord("read", f"Patient/{PATIENT}", NOW,
                                              targets=(f"Patient/{PATIENT}",)), actor),
        "search": build_audit_event(AuditRecord(
            "search", f"Patient/{PATIENT}", NOW, query=f"Encounter?patient={PATIENT}"), actor),
        "create": build_audit_event(AuditRecord(
            "create", f"Patient/{PATIENT}", NOW, targets=("QuestionnaireResponse/x",)), actor),
        "update": build_audit_event(AuditRecord(
            "update", f"Patient/{PATIENT}", NOW, targets=("QuestionnaireResponse/x",)), actor),
        "refused": build_audit_event(AuditRecord(
            "create", f"Patient/{PATIENT}", NOW, outcome="refused",
            detail="scope patient/QuestionnaireResponse.c not granted"), actor),
    }
    failures = {name: _validate(hapi, event) for name, event in events.items()}
    assert failures == {name: [] for name in events}
    created = requests.post(f"{hapi}/AuditEvent", json=events["read"], headers=FHIR_JSON,
                            timeout=30)
    assert created.status_code == 201, created.text[:1000]
    # The profiles are really applied: a PatientRead without its patient entity is refused.
    broken = copy.deepcopy(events["read"])
    broken["entity"] = broken["entity"][1:] * 2
    errors = _validate(hapi, broken)
    assert errors and any("patient" in e for e in errors), errors
    assert broken["meta"]["profile"][0] == PATIENT_PROFILES["read"]


def _submission(n: int) -> Submission:
    return Submission(
        questionnaire=fhir_profiles.questionnaire("alliance-checkin-therapist"), answers=ANSWERS,
        rater="therapist", patient=f"Patient/{PATIENT}", encounter=f"Encounter/audit-e{n}",
        author=f"Practitioner/{PRACTITIONER}", authored=NOW - datetime.timedelta(days=7 * n),
        submission_id=str(uuid.uuid4()), app_name="Alliance Panel", app_version="0.1.0")


def _scores(fhir: FhirClient, sub: Submission) -> list[dict]:
    wanted = ",".join(f"{SCORE_SYSTEM}|{sub.submission_id}/{s}"
                      for s in ("total", "goal", "task", "bond"))
    return fhir.search("Observation", {"identifier": wanted})


@pytest.fixture(scope="module")
def records(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Records:
    """Three saves through the app's own builders: one corrected, one entered in error; and
    an audit log of what was done."""
    hapi = servers.hapi
    fhir = FhirClient(hapi, timeout=60)
    people = [{"resourceType": "Patient", "id": PATIENT},
              {"resourceType": "Practitioner", "id": PRACTITIONER},
              *({"resourceType": "Encounter", "id": f"audit-e{n}", "status": "finished",
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                           "code": "AMB"}, "subject": {"reference": f"Patient/{PATIENT}"}}
                for n in (1, 2, 3))]
    for resource in people:
        fhir.update(resource)
    sink = JsonLinesSink(tmp_path_factory.mktemp("audit") / "audit.jsonl")
    found = Records(hapi, fhir, sink)
    actor = _actor(hapi)
    for n in (1, 2, 3):
        sub = _submission(n)
        fhir.transaction(build_submission_bundle(sub), idempotent=True)
        [qr] = fhir.search("QuestionnaireResponse",
                           {"identifier": f"{SUBMISSION_SYSTEM}|{sub.submission_id}"})
        found.qr_ids[str(n)] = qr["id"]
        sink.append(build_audit_event(AuditRecord(
            "create", f"Patient/{PATIENT}", NOW, targets=(f"QuestionnaireResponse/{qr['id']}",)),
            actor))
        if n == 1:
            corrected = Submission(**{**sub.__dict__, "answers": {**ANSWERS, "goal-1": "0"},
                                      "reason": "Mis-clicked"})
            fhir.transaction(build_correction_bundle(corrected, qr, "1", _scores(fhir, sub)))
        if n == 2:
            fhir.transaction(build_entered_in_error_bundle(
                qr, "1", _scores(fhir, sub), author=f"Practitioner/{PRACTITIONER}",
                reason="Wrong patient", recorded=NOW, app_name="Alliance Panel",
                app_version="0.1.0"))
        sink.append(build_audit_event(AuditRecord(
            "update" if n < 3 else "read", f"Patient/{PATIENT}", NOW,
            targets=(f"QuestionnaireResponse/{qr['id']}",)), actor))
    return found


def test_audit_passes_on_the_records_the_app_wrote(records: Records, tmp_path: Path,
                                                   capsys) -> None:
    report = tmp_path / "audit.csv"
    code = main(["audit", "--fhir", records.hapi, "--patient", PATIENT,
                 "--sink", str(records.sink.path), "--csv", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "FAIL" not in out and "all passed" in out
    for qr_id in records.qr_ids.values():
        assert f"QuestionnaireResponse/{qr_id}" in out
    assert "all 2 versions kept" in out and "marked entered-in-error too" in out
    assert report.read_text().count("\n") > 9


def test_audit_fails_naming_an_altered_observation_and_an_altered_log_line(
        records: Records, tmp_path: Path, capsys) -> None:
    qr3 = records.fhir.read("QuestionnaireResponse", records.qr_ids["3"])
    sub_id = qr3["identifier"]["value"]
    [total] = records.fhir.search("Observation",
                                  {"identifier": f"{SCORE_SYSTEM}|{sub_id}/total"})
    total["valueQuantity"]["value"] = 23
    records.fhir.update(total)
    lines = records.sink.path.read_text().splitlines()
    record = json.loads(lines[1])
    record["event"]["outcome"] = "4"
    lines[1] = json.dumps(record)
    records.sink.path.write_text("\n".join(lines) + "\n")
    report = tmp_path / "audit.csv"
    code = main(["audit", "--fhir", records.hapi, "--patient", PATIENT,
                 "--sink", str(records.sink.path), "--csv", str(report)])
    out = capsys.readouterr().out
    assert code == 1, out
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 2, out
    assert f"QuestionnaireResponse/{records.qr_ids['3']}" in failed[0]
    assert f"Observation/{total['id']} says 23" in report.read_text()
    assert "audit.jsonl line 2" in failed[1] and "changed" in failed[1]


def _check(iss: str, capsys) -> tuple[int, dict]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ALLIANCE_DEVELOPMENT", "true")  # HAPI on loopback speaks plain http
        code = main(["check", "--iss", iss, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_check_says_records_stay_in_hapi(servers: Servers, capsys) -> None:
    code, report = _check(servers.hapi, capsys)
    assert (code, report["verdict"]) == (0, "records in the EHR"), report
    rows = {(r["area"], r["item"]): r["result"] for r in report["checks"]}
    assert rows[("records", "QuestionnaireResponse conditional create")] == "ok"
    assert rows[("records", "AuditEvent create")] == "ok"
    assert rows[("smart", "launch-ehr")] == "ok"


def test_check_needs_a_companion_store_when_questionnaireresponse_create_is_refused(
        servers: Servers, capsys) -> None:
    """HAPI behind a proxy that edits its CapabilityStatement, as Oracle Health documents it."""
    def proxy(environ, start_response):
        path = environ["PATH_INFO"]
        if path.endswith("/.well-known/smart-configuration"):
            body = requests.get(f"{servers.oidc}/.well-known/smart-configuration",
                                timeout=10).json()
        elif path.endswith("/metadata"):
            body = requests.get(f"{servers.hapi}/metadata", headers=FHIR_JSON, timeout=30).json()
            for resource in body["rest"][0]["resource"]:
                if resource["type"] == "QuestionnaireResponse":
                    resource["interaction"] = [i for i in resource["interaction"]
                                               if i["code"] not in ("create", "update")]
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b"{}"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    server = LiveServer().start(proxy)
    try:
        code, report = _check(f"{server.url}/fhir", capsys)
    finally:
        server.stop()
    assert (code, report["verdict"]) == (1, "a companion store is needed"), report
    rows = {(r["area"], r["item"]): r["result"] for r in report["checks"]}
    assert rows[("records", "QuestionnaireResponse create")] == "missing"


def test_the_trail_delivers_to_hapi_once_even_when_a_delivery_is_repeated(
        servers: Servers, tmp_path: Path) -> None:
    sent: list[list[dict]] = []
    deliver = deliver_to_fhir(FhirClient(servers.hapi, timeout=60))

    def deliver_and_remember(events):
        sent.append(list(events))
        deliver(events)

    trail = AuditTrail(tmp_path / "spool.db", deliver_and_remember)
    for _ in range(3):
        trail.record(build_audit_event(AuditRecord(
            "read", f"Patient/{PATIENT}", NOW, targets=(f"Patient/{PATIENT}",)),
            _actor(servers.hapi)))
    assert trail.deliver_pending() == 3 and trail.health().pending == 0
    deliver(sent[0])  # as if the answer to the first delivery had been lost
    for event in sent[0]:
        tag = event["meta"]["tag"][0]
        assert tag["system"] == EVENT_TAG_SYSTEM
        assert len(_search(servers.hapi, "AuditEvent",
                           _tag=f"{tag['system']}|{tag['code']}")) == 1
