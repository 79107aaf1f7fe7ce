"""The calls the app makes when it touches patient data: a panel view is a PatientRead per
read and a PatientQuery per search; writes and refusals are recorded; the token never is;
a broken spool never breaks the clinician's request and shows in health."""

from __future__ import annotations

import base64
from pathlib import Path

from plugin.audit.emit import AccessAuditor
from plugin.audit.sink import JsonLinesSink, read_events
from plugin.audit.trail import AuditTrail, deliver_to_log
from smart_launch import LaunchContext
from tests.support.clock import FakeClock

TOKEN = "access-token-that-must-not-leak"
CONTEXT = LaunchContext(iss="https://ehr.example.org/r4", patient="p1",
                        fhir_user="Practitioner/pr1", expires_at=2e9, access_token=TOKEN,
                        token_endpoint="https://ehr.example.org/token")


def setup(tmp_path: Path) -> tuple[AccessAuditor, JsonLinesSink]:
    sink = JsonLinesSink(tmp_path / "audit.jsonl")
    trail = AuditTrail(tmp_path / "spool.db", deliver_to_log(sink))
    auditor = AccessAuditor(trail, client_id="alliance-prod", app_name="Alliance Panel",
                            app_version="0.1.0", app_address="https://app.example.org",
                            clock=FakeClock(1_795_000_000.0))
    return auditor, sink


def test_a_panel_view_a_save_and_a_refusal(tmp_path: Path) -> None:
    auditor, sink = setup(tmp_path)
    actor = auditor.actor(CONTEXT)
    ehr, store = CONTEXT.iss, "https://records.example.org/fhir"
    auditor.panel_view(actor, "Patient/p1", [(ehr, "Patient/p1"), (ehr, "Encounter?patient=p1"),
                                             (store, "QuestionnaireResponse?subject=p1")])
    auditor.written(actor, "Patient/p1", "create", ["QuestionnaireResponse/q1",
                                                    "Observation/o1", "Provenance/v1"])
    auditor.refused(actor, "Patient/p1", "update", "the response changed since it was read")
    assert auditor.trail.deliver_pending() == 5
    events = list(read_events(sink.path))
    assert [(e["action"], e["outcome"]) for e in events] == [
        ("R", "0"), ("E", "0"), ("E", "0"), ("C", "0"), ("U", "4")]
    assert base64.b64decode(events[1]["entity"][1]["query"]) == b"Encounter?patient=p1"
    servers = [e["agent"][1]["who"]["identifier"]["value"] for e in events[:3]]
    assert servers == [ehr, ehr, store]
    assert events[3]["entity"][1]["what"]["reference"] == "QuestionnaireResponse/q1"
    assert all(e["recorded"].startswith("2026-11-18") for e in events)
    text = sink.path.read_text()
    assert TOKEN not in text and "Practitioner/pr1" in text and "alliance-prod" in text
    assert auditor.health()["ok"] and auditor.health()["pending"] == 0


def test_a_broken_spool_is_logged_and_reported_not_raised(tmp_path: Path) -> None:
    auditor, _ = setup(tmp_path)
    for path in tmp_path.glob("spool.db*"):
        path.write_bytes(b"not a database " * 100)
    auditor.panel_view(auditor.actor(CONTEXT), "Patient/p1", [(CONTEXT.iss, "Patient/p1")])
    health = auditor.health()
    assert auditor.failures == 1 and health["ok"] is False
    assert (health["pending"], health["last_error"]) == (-1, "audit.sink_error")
