"""The registration's entries a plain run does not meet, held to what the code sends: a save
sent entry by entry (a store without transactions), the search after a lost answer, and the
AuditEvent delivery to a companion store."""

from __future__ import annotations

from urllib.parse import urlsplit

from plugin.audit.trail import deliver_to_fhir
from plugin.deploy.interactions import AUDIT, INTERACTIONS, RECORDS, RECOVERY, key_of
from plugin.fhir.applied import bundle_applied
from plugin.fhir.client import FhirClient
from plugin.fhir.entry_writes import write_entries
from plugin.fhir.record_bundles import build_submission_bundle
from tests.support.fake_http import body_of, fake_session
from tests.support.memory_fhir import MemoryFhir
from tests.support.submissions import submission


def keys(transport, base: str) -> set:
    found = set()
    for sent in transport.requests:
        relative = sent.url[len(base):].lstrip("/")
        if sent.method == "POST" and not urlsplit(relative).path:
            bundle = sent.json()
            found.add(key_of("POST", "", bundle_type=bundle["type"]))
            found |= {key_of(e["request"]["method"], e["request"]["url"],
                             e["request"].get("ifNoneExist", "")) for e in bundle["entry"]}
        else:
            found.add(key_of(sent.method, relative, sent.headers.get("If-None-Exist", "")))
    return found


def declared(server: str) -> set:
    return {i.key for i in INTERACTIONS if i.server == server}


def test_a_save_entry_by_entry_and_its_recovery_are_declared() -> None:
    fhir = MemoryFhir()
    client = FhirClient(fhir.base, http=fhir.session)
    bundle = build_submission_bundle(submission("alliance-checkin-therapist"))
    write_entries(client, bundle)
    assert bundle_applied(client, bundle) is not None  # every entry found by its condition
    sent = keys(fhir.transport, fhir.base)
    assert sent <= declared(RECORDS), sent - declared(RECORDS)
    writes = {i.key for i in INTERACTIONS if i.server == RECORDS and i.method == "POST"
              and i.resource}
    searches = {i.key for i in INTERACTIONS if RECOVERY in i.flows and i.kind == "search-type"}
    assert writes | searches <= sent


def test_audit_delivery_to_a_companion_store_is_declared() -> None:
    base = "https://records.example.org/fhir"
    http, transport = fake_session()
    transport.add("POST", base, lambda request: (200, {
        "resourceType": "Bundle", "type": "batch-response",
        "entry": [{"response": {"status": "201 Created"}} for _ in body_of(request)["entry"]]}))
    event = {"resourceType": "AuditEvent", "meta": {"tag": [
        {"system": "https://alliance.example/audit", "code": "e1"}]}}
    deliver_to_fhir(FhirClient(base, http=http))([event])
    assert keys(transport, base) == declared(AUDIT)
