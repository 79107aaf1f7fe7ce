"""The FHIR client against a fake transport: paging, retries, typed errors, token safety."""

from __future__ import annotations

import pytest
import requests

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import (
    FhirAuthError,
    FhirConflict,
    FhirNotFound,
    FhirRejected,
    FhirTransportError,
    FhirUnsafeUrl,
)
from tests.support.fake_http import body_of, fake_session

BASE = "https://ehr.example/fhir"


def searchset(ids, next_url=None):
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": {"resourceType": "Encounter", "id": i}} for i in ids],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def make(**kwargs):
    http, transport = fake_session()
    waits: list[float] = []
    client = FhirClient(BASE, token=lambda: "tok-123", http=http, sleep=waits.append, **kwargs)
    return client, transport, waits


def test_search_follows_next_links_and_sends_the_token_with_a_timeout():
    client, transport, _ = make()
    transport.add("GET", f"{BASE}/Encounter?", (200, searchset(["a", "b"], f"{BASE}?page=2")))
    transport.add("GET", f"{BASE}?page=2", (200, searchset(["c"], f"{BASE}?page=3")))
    transport.add("GET", f"{BASE}?page=3", (200, searchset(["d"])))
    found = client.search("Encounter", {"patient": "p1"})
    assert [e["id"] for e in found] == ["a", "b", "c", "d"]
    assert all(r.headers["Authorization"] == "Bearer tok-123" for r in transport.sent)
    assert all(t for t in transport.timeouts)


def test_a_paging_link_to_another_host_is_not_followed_with_the_token():
    client, transport, _ = make()
    transport.add("GET", f"{BASE}/Encounter", (200, searchset(["a"], "https://evil.example/x")))
    with pytest.raises(FhirUnsafeUrl):
        client.search("Encounter")
    assert [r.url.split("?")[0] for r in transport.sent] == [f"{BASE}/Encounter"]


def test_reads_retry_on_503_and_429_with_backoff_then_succeed():
    client, transport, waits = make()
    transport.add(
        "GET",
        f"{BASE}/Patient/p1",
        [
            (503, {}),
            (429, {}, {"Retry-After": "2"}),
            (200, {"resourceType": "Patient", "id": "p1"}),
        ],
    )
    assert client.read("Patient", "p1")["id"] == "p1"
    assert waits == [0.5, 2.0]


def test_connection_errors_are_retried_then_reported_plainly():
    client, transport, waits = make(retries=2)
    transport.add("GET", f"{BASE}/Patient/p1", requests.ConnectionError("refused"))
    with pytest.raises(FhirTransportError) as err:
        client.read("Patient", "p1")
    assert len(transport.sent) == 3 and len(waits) == 2
    assert "did not answer" in err.value.message


def test_a_plain_create_is_never_retried():
    client, transport, _ = make()
    transport.add("POST", f"{BASE}/Observation", (503, {}))
    with pytest.raises(Exception):  # noqa: B017 - any error; the point is the count
        client.create({"resourceType": "Observation"})
    assert len(transport.sent) == 1


@pytest.mark.parametrize(
    "status, error",
    [
        (401, FhirAuthError),
        (403, FhirAuthError),
        (404, FhirNotFound),
        (410, FhirNotFound),
        (412, FhirConflict),
        (422, FhirRejected),
    ],
)
def test_error_statuses_become_typed_errors_with_the_servers_words(status, error):
    client, transport, _ = make()
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "processing", "diagnostics": "bad thing"}],
    }
    transport.add("PUT", f"{BASE}/QuestionnaireResponse/q1", (status, outcome))
    with pytest.raises(error) as err:
        client.update({"resourceType": "QuestionnaireResponse", "id": "q1"}, if_match='W/"1"')
    assert "bad thing" in err.value.message and err.value.upstream_status == status
    assert transport.sent[0].headers["If-Match"] == 'W/"1"'


def test_batch_sends_one_bundle_and_returns_each_answer():
    client, transport, _ = make()

    def answer(request):
        urls = [e["request"]["url"] for e in body_of(request)["entry"]]
        return 200, {
            "resourceType": "Bundle",
            "type": "batch-response",
            "entry": [
                {"resource": {"resourceType": "Bundle", "id": u}, "response": {"status": "200 OK"}}
                for u in urls
            ],
        }

    transport.add("POST", BASE, answer)
    results = client.batch(["Patient/p1", "Encounter?patient=p1"])
    assert [r["id"] for r in results] == ["Patient/p1", "Encounter?patient=p1"]
    assert len(transport.sent) == 1


def test_a_failed_batch_entry_raises_its_typed_error():
    client, transport, _ = make()
    transport.add(
        "POST",
        BASE,
        (200, {"resourceType": "Bundle", "entry": [{"response": {"status": "404 Not Found"}}]}),
    )
    with pytest.raises(FhirNotFound):
        client.batch(["Patient/nope"])


def test_version_from_etag_when_the_body_lacks_it():
    client, transport, _ = make()
    transport.add(
        "GET",
        f"{BASE}/Patient/p1",
        (200, {"resourceType": "Patient", "id": "p1"}, {"ETag": 'W/"7"'}),
    )
    assert client.read("Patient", "p1")["meta"]["versionId"] == "7"
