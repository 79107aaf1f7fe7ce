"""Reads where an EHR refuses batch: the same searches side by side, the same answers."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from plugin.fhir.batch_reads import declares_batch
from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirNotFound, FhirResponseError
from plugin.fhir.stores import RecordStore
from plugin.panel.reads import read_panel
from tests.support.fake_http import body_of, fake_session

BASE = "https://ehr.example/fhir"
NOT_SUPPORTED = {"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "not-supported", "diagnostics": "batch is not supported"}]}
RESOURCES = {
    "Patient": [{"resourceType": "Patient", "id": "p1", "name": [{"text": "Ada Lovelace"}]}],
    "Encounter": [{"resourceType": "Encounter", "id": f"e{i}", "subject": {
        "reference": "Patient/p1"}, "status": "finished"} for i in range(3)],
    "Appointment": [{"resourceType": "Appointment", "id": "a1", "status": "noshow"}],
    "QuestionnaireResponse": [{"resourceType": "QuestionnaireResponse", "id": "q1",
                               "subject": {"reference": "Patient/p1"}}],
}


def answer_one(url: str) -> tuple[int, dict]:
    """A read by id or a search, answered from RESOURCES (searches match everything)."""
    path, _, query = url.partition("?")
    kind, _, rid = path.partition("/")
    found = RESOURCES.get(kind, [])
    if rid:
        match = [r for r in found if r["id"] == rid]
        return (200, match[0]) if match else (404, {"resourceType": "OperationOutcome"})
    assert dict(parse_qsl(query)).get("_count"), url
    return 200, {"resourceType": "Bundle", "type": "searchset",
                 "entry": [{"resource": r} for r in found]}


def fake_ehr(batch_answer: tuple[int, dict] | None):
    """batch_answer None: the server takes batch; else what it answers to one."""
    http, transport = fake_session()

    def post(request):
        if batch_answer is not None:
            return batch_answer
        entries = []
        for entry in body_of(request)["entry"]:
            status, resource = answer_one(entry["request"]["url"])
            entries.append({"resource": resource, "response": {"status": str(status)}})
        return 200, {"resourceType": "Bundle", "type": "batch-response", "entry": entries}

    def get(request):
        parts = urlsplit(request.url)
        relative = parts.path[len(urlsplit(BASE).path) + 1:]
        return answer_one(relative + (f"?{parts.query}" if parts.query else ""))

    transport.add("POST", BASE, post)
    transport.add("GET", BASE, get)
    return http, transport


def panel_reads(http, **options):
    client = FhirClient(BASE, http=http, token=lambda: "tok", **options)
    records = RecordStore(client, "ehr", "", True, BASE)
    return read_panel(client, records, "p1", appointments=True)


REFUSALS = [(405, {}), (404, {}), (501, {}), (400, NOT_SUPPORTED)]


@pytest.mark.parametrize("refusal", REFUSALS, ids=["405", "404", "501", "not-supported"])
def test_an_ehr_that_refuses_batch_gives_the_same_panel_reads(refusal):
    with_batch, sent_batch = fake_ehr(None)
    expected = panel_reads(with_batch)
    assert [r.method for r in sent_batch.sent] == ["POST"]  # one round trip where batch works

    without, sent = fake_ehr(refusal)
    reads = panel_reads(without)
    assert reads == expected
    assert [r.method for r in sent.sent] == ["POST", "GET", "GET", "GET", "GET"]
    assert all(sent.timeouts)
    assert {r.headers["Authorization"] for r in sent.sent} == {"Bearer tok"}


def test_a_statement_that_leaves_batch_out_is_reported_but_the_batch_is_still_tried():
    statement = {"resourceType": "CapabilityStatement",
                 "rest": [{"mode": "server", "interaction": [{"code": "transaction"}]}]}
    assert declares_batch(statement) is False  # what alliance check reports
    assert declares_batch({}) is True
    assert declares_batch({"rest": [{"interaction": [{"code": "batch"}]}]}) is True
    http, transport = fake_ehr(None)  # under-declared: it takes batch all the same
    assert panel_reads(http).patient["id"] == "p1"
    assert [r.method for r in transport.sent] == ["POST"]


def test_a_failure_that_is_not_a_refusal_is_raised_not_hidden():
    http, transport = fake_ehr((401, {}))
    with pytest.raises(FhirResponseError):
        panel_reads(http)
    assert [r.method for r in transport.sent] == ["POST"]


def test_a_missing_resource_fails_the_parallel_reads_as_it_fails_a_batch():
    http, _ = fake_ehr((405, {}))
    client = FhirClient(BASE, http=http)
    with pytest.raises(FhirNotFound):
        client.batch(["Patient/p1", "Patient/nobody"])


def test_check_can_ask_for_the_refusal_itself():
    http, transport = fake_ehr((405, {}))
    with pytest.raises(FhirResponseError) as err:
        FhirClient(BASE, http=http).batch(["Patient?_count=1"], fallback=False)
    assert err.value.upstream_status == 405
    assert len(transport.sent) == 1
    assert json.loads(transport.sent[0].body)["type"] == "batch"


def test_a_refusal_is_remembered_so_later_reads_go_side_by_side_at_once():
    http, transport = fake_ehr((405, {}))
    first = panel_reads(http)
    again = panel_reads(http)
    assert again == first
    assert [r.method for r in transport.sent] == ["POST"] + ["GET"] * 8
    other, other_sent = fake_ehr(None)  # another app's session still tries batch
    panel_reads(other)
    assert [r.method for r in other_sent.sent] == ["POST"]
