"""The audit trail: events are spooled before delivery, delivered to the log or the record
store, kept (and visible in health) while the destination fails, and stored once on retry."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import requests

from plugin.audit.balp import AuditActor, AuditRecord, build_audit_event
from plugin.audit.chain_verify import verify_chain
from plugin.audit.errors import AuditSinkError
from plugin.audit.sink import JsonLinesSink, read_events
from plugin.audit.trail import EVENT_TAG_SYSTEM, AuditTrail, deliver_to_fhir, deliver_to_log
from plugin.fhir.client import FhirClient
from tests.support.clock import FakeClock
from tests.support.fake_http import body_of, fake_session

BASE = "https://records.example.org/fhir"
ACTOR = AuditActor("c", "Alliance Panel", "0.1.0", "https://app.example", BASE, "jti-1",
                   "Practitioner/1")


def event(n: int) -> dict:
    return build_audit_event(AuditRecord("read", f"Patient/p{n}", datetime.datetime(
        2026, 12, 1, tzinfo=datetime.UTC), targets=(f"Patient/p{n}",)), ACTOR)


def test_events_reach_the_log_in_order_and_leave_the_spool(tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path / "audit.jsonl")
    trail = AuditTrail(tmp_path / "spool.db", deliver_to_log(sink))
    for n in range(3):
        trail.record(event(n))
    assert trail.health().pending == 3
    assert trail.deliver_pending() == 3
    assert [e["entity"][0]["what"]["reference"] for e in read_events(sink.path)] == [
        "Patient/p0", "Patient/p1", "Patient/p2"]
    assert verify_chain(sink.path) == [] and trail.health().pending == 0


def test_a_failing_record_store_keeps_every_event_and_says_so(tmp_path: Path) -> None:
    clock = FakeClock(1_000.0)
    http, transport = fake_session()
    answers: list = [(503, {}), (503, {}), requests.ConnectionError("down")]
    transport.add("POST", BASE, lambda r: answers.pop(0) if answers else (200, {
        "resourceType": "Bundle", "type": "batch-response",
        "entry": [{"response": {"status": "201 Created"}} for _ in body_of(r)["entry"]]}))
    client = FhirClient(BASE, http=http, retries=0)
    trail = AuditTrail(tmp_path / "spool.db", deliver_to_fhir(client), clock=clock)
    trail.record(event(1))
    clock.advance(30)
    trail.record(event(2))
    clock.advance(30)
    assert trail.deliver_pending() == 0
    health = trail.health()
    assert (health.pending, health.oldest_age, health.ok) == (2, 60.0, False)
    assert health.last_error is not None
    assert trail.deliver_pending() == 0 and trail.deliver_pending() == 0
    assert trail.deliver_pending() == 2
    assert trail.health() == trail.health().__class__(0, 0.0, None)
    sent = body_of(transport.sent[-1])
    tags = [e["resource"]["meta"]["tag"][0] for e in sent["entry"]]
    assert all(t["system"] == EVENT_TAG_SYSTEM for t in tags)
    assert len({t["code"] for t in tags}) == 2
    # The same events on every attempt, with the same tags: a repeated delivery stores once.
    first = body_of(transport.sent[0])
    assert [e["request"]["ifNoneExist"] for e in first["entry"]] == [
        e["request"]["ifNoneExist"] for e in sent["entry"]]


def test_a_refused_entry_in_the_batch_fails_the_delivery(tmp_path: Path) -> None:
    http, transport = fake_session()
    transport.add("POST", BASE, (200, {"resourceType": "Bundle", "entry": [
        {"response": {"status": "422 Unprocessable Entity"}}]}))
    trail = AuditTrail(tmp_path / "spool.db",
                       deliver_to_fhir(FhirClient(BASE, http=http, retries=0)))
    trail.record(event(1))
    assert trail.deliver_pending() == 0 and trail.health().pending == 1


def test_a_spool_that_cannot_be_written_raises(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "spool.db", lambda events: None)
    for path in tmp_path.glob("spool.db*"):
        path.write_bytes(b"not a database " * 100)
    with pytest.raises(AuditSinkError, match="cannot be written"):
        trail.record(event(1))
