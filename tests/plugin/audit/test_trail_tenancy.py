"""With several EHRs, each EHR's audit events are delivered to its own destination only; one
EHR's failing store does not hold back another's; a spool from before events named their EHR
still delivers (to the destination of events with no EHR)."""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path

import requests

from plugin.audit.balp import AuditActor, AuditRecord, build_audit_event
from plugin.audit.trail import AuditTrail, deliver_to_fhir
from plugin.fhir.client import FhirClient
from tests.support.fake_http import body_of, fake_session

EHR = {"a": "https://ehr-a.example/fhir", "b": "https://ehr-b.example/fhir"}
STORE = {"a": "https://records-a.example/fhir", "b": "https://records-b.example/fhir",
         None: "https://records.example/fhir"}


def event(ehr: str, n: int) -> dict:
    actor = AuditActor("c", "Alliance Panel", "0.1.0", "https://app.example", EHR[ehr],
                       "jti-1", "Practitioner/1")
    return build_audit_event(AuditRecord("read", f"Patient/p{n}", datetime.datetime(
        2026, 12, 1, tzinfo=datetime.UTC), targets=(f"Patient/p{n}",)), actor)


class Stores:
    """Three FHIR stores behind one fake network; `down` ones answer 503."""

    def __init__(self) -> None:
        self.http, self.transport = fake_session()
        self.down: set[str] = set()
        self.received: dict[str, list[dict]] = {url: [] for url in STORE.values()}
        for url in STORE.values():
            self.transport.add("POST", url, lambda request, url=url: self._take(url, request))

    def _take(self, url: str, request: requests.PreparedRequest):
        if url in self.down:
            return 503, {}
        events = [e["resource"] for e in body_of(request)["entry"]]
        self.received[url].extend(events)
        return 200, {"resourceType": "Bundle", "type": "batch-response",
                     "entry": [{"response": {"status": "201 Created"}} for _ in events]}

    def route(self, iss: str | None):
        name = next((k for k, v in EHR.items() if v == iss), None)
        return deliver_to_fhir(FhirClient(STORE[name], http=self.http, retries=0))

    def patients(self, name: str | None) -> list[str]:
        return sorted(e["entity"][0]["what"]["reference"] for e in self.received[STORE[name]])


def test_each_ehrs_events_reach_its_own_store_only(tmp_path: Path) -> None:
    stores = Stores()
    trail = AuditTrail(tmp_path / "spool.db", stores.route(None), route=stores.route)
    trail.record_many([event("a", 1), event("a", 2)], EHR["a"])
    trail.record(event("b", 3), EHR["b"])
    assert trail.deliver_pending() == 3
    assert stores.patients("a") == ["Patient/p1", "Patient/p2"]
    assert stores.patients("b") == ["Patient/p3"]
    assert stores.received[STORE[None]] == []


def test_one_ehrs_failing_store_does_not_hold_back_the_other(tmp_path: Path) -> None:
    stores = Stores()
    stores.down.add(STORE["a"])
    trail = AuditTrail(tmp_path / "spool.db", stores.route(None), route=stores.route)
    trail.record(event("a", 1), EHR["a"])
    trail.record(event("b", 2), EHR["b"])
    assert trail.deliver_pending() == 1
    assert stores.patients("b") == ["Patient/p2"] and stores.patients("a") == []
    assert trail.health().pending == 1 and not trail.health().ok
    stores.down.clear()
    assert trail.deliver_pending() == 1 and stores.patients("a") == ["Patient/p1"]
    assert trail.health().ok


def test_a_spool_from_before_events_named_their_ehr_still_delivers(tmp_path: Path) -> None:
    spool = tmp_path / "spool.db"
    with sqlite3.connect(spool) as db:  # the table as it was, with one event waiting
        db.execute("CREATE TABLE pending (id INTEGER PRIMARY KEY, created REAL NOT NULL, "
                   "body TEXT NOT NULL, attempts INTEGER DEFAULT 0)")
        db.execute("INSERT INTO pending (created, body) VALUES (1, ?)", (json.dumps({
            **event("a", 9), "meta": {"tag": [{"system": "s", "code": "old"}]}}),))
    stores = Stores()
    trail = AuditTrail(spool, stores.route(None), route=stores.route)
    trail.record(event("b", 1), EHR["b"])
    assert trail.deliver_pending() == 2
    assert stores.patients(None) == ["Patient/p9"] and stores.patients("b") == ["Patient/p1"]
