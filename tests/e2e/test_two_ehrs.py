"""Two EHRs, two companion record stores, one app: every record, queued save, correction,
removal, draft and audit event of an EHR goes only to that EHR's own store, with that EHR's own
credentials (tests/support/two_ehrs.py sets them up; the same patient ids exist in both EHRs).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.deployment import Deployment
from tests.support.forms import read_form
from tests.support.launched import (
    ANSWERS,
    CLIENT,
    THERAPIST,
    Open,
    filled,
    form_fields,
    open_launch,
    saved_id,
)
from tests.support.servers import LiveServer
from tests.support.two_ehrs import start_two_ehrs

CORRECTED = {**ANSWERS, "goal-1": "0"}


@pytest.fixture
def two_ehrs(tmp_path: Path) -> Iterator[Callable[..., tuple[Deployment, Deployment]]]:
    started: list[LiveServer] = []

    def make(layout: str = "tables", audit: str = "record-store") -> tuple[Deployment, Deployment]:
        return start_two_ehrs(tmp_path, started, layout=layout, audit=audit)

    yield make
    for server in started:
        server.stop()


def in_store(dep: Deployment, rtype: str) -> list[dict]:
    """What the EHR's own companion store holds."""
    return dep.flask_companion.extensions["ehr_sandbox"]["store"].scan(rtype)


def sent_to(dep: Deployment, exchange_url: str) -> bool:
    return exchange_url.startswith(dep.companion.url)


def transactions_to(dep: Deployment) -> Callable:
    """A network that drops the record writes (transactions) sent to this EHR's store."""
    return lambda request: (request.method == "POST" and request.url == dep.companion_fhir
                            and b'"transaction"' in (request.body or b""))


def queued_id(answer) -> str:
    assert answer.status_code == 303, answer.text[:1500]
    return parse_qs(urlsplit(answer.headers["Location"]).query)["queued"][0]


def assertion_issuer(body: str) -> str:
    """The client a token request to a companion store was signed as."""
    assertion = parse_qs(body)["client_assertion"][0]
    payload = assertion.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["iss"]


def test_a_save_from_b_never_reaches_as_store(two_ehrs) -> None:
    """A by the top-level settings and store, B by its own table: B's save goes to B's store
    (it once went to the top-level store, A's, and the page said Saved)."""
    a, b = two_ehrs("mixed", audit="log")
    run = open_launch(b)
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))

    stored = in_store(b, "QuestionnaireResponse")
    assert [r["id"] for r in stored] == [qr_id]
    assert stored[0]["subject"]["reference"] == f"{b.iss}/Patient/{run.patient}"
    assert in_store(a, "QuestionnaireResponse") == [] and in_store(a, "Observation") == []
    assert not [e for e in b.http.exchanges if sent_to(a, e.url)]  # nothing went near A's
    tokens = [e for e in b.http.exchanges if e.url == f"{b.companion.url}/auth/token"]
    assert tokens and {assertion_issuer(e.body) for e in tokens} == {"records-b"}


def test_the_outbox_delivers_an_issuer_b_save_to_bs_store(two_ehrs) -> None:
    """Issuer tables only: B's queued save is sent to B's store (it once stayed queued for
    ever: the outbox knew only a top-level store)."""
    a, b = two_ehrs("tables", audit="log")
    run = open_launch(b)
    b.http.unreachable = transactions_to(b)
    submission = queued_id(run.post(f"/record/{THERAPIST}",
                                    filled(run.get(f"/record/{THERAPIST}"))))
    assert in_store(b, "QuestionnaireResponse") == []
    b.http.unreachable = None
    b.clock.advance(60)
    outbox = b.flask_app.extensions["alliance"].saving.outbox
    assert outbox.run_due() == 1
    stored = in_store(b, "QuestionnaireResponse")
    assert [r["identifier"]["value"] for r in stored] == [submission]
    assert stored[0]["subject"]["reference"] == f"{b.iss}/Patient/{run.patient}"
    assert in_store(a, "QuestionnaireResponse") == []
    assert "Ratings not yet stored" not in run.get("").text


def _draft(run: Open, answers: dict[str, str]) -> None:
    fields = form_fields(run.get(f"/record/{CLIENT}"))
    kept = run.post(f"/record/{CLIENT}/draft",
                    {**fields, **{f"item-{k}": v for k, v in answers.items()}})
    assert kept.status_code == 204


def _correct(run: Open, qr_id: str) -> None:
    page = run.get(f"/responses/{qr_id}/correct")
    told = run.post(f"/responses/{qr_id}/correct",
                    filled(page, CORRECTED, reason="Mis-clicked item 1"))
    assert told.status_code == 303 and "saved=corrected" in told.headers["Location"], \
        told.text[:1500]


def _remove(run: Open, qr_id: str) -> None:
    page = run.get(f"/responses/{qr_id}/entered-in-error")
    fields = dict(read_form(page.text, page.url).hidden)
    told = run.post(f"/responses/{qr_id}/entered-in-error",
                    {**fields, "reason": "Recorded for the wrong session"})
    assert told.status_code == 303, told.text[:1500]


def test_every_path_of_two_ehrs_keeps_each_record_in_its_own_store(two_ehrs) -> None:
    a, b = two_ehrs("tables")
    runs = {"a": open_launch(a), "b": open_launch(b)}
    deps = {"a": a, "b": b}
    # The same patient and session ids in both EHRs: only the EHR tells them apart.
    assert (runs["a"].patient, runs["a"].encounter) == (runs["b"].patient, runs["b"].encounter)

    # Panel reads: each panel opens, reading its own EHR and its own store.
    for run in runs.values():
        assert run.get("").status_code == 200

    # Drafts: A's typed answers are never restored in B's launch, and the reverse.
    _draft(runs["a"], {"goal-1": "1"})
    assert "restored from your draft" not in runs["b"].get(f"/record/{CLIENT}").text
    _draft(runs["b"], {"goal-1": "4"})
    for name, value in (("a", "1"), ("b", "4")):
        page = runs[name].get(f"/record/{CLIENT}").text
        assert "restored from your draft" in page
        chosen = re.findall(r'<input[^>]*id="item-goal-1-(\d)"[^>]*\bchecked', page)
        assert chosen == [value], (name, chosen)

    # Saves: the therapist's rating stored at once; the client's form queued, sent later.
    therapist, queued = {}, {}
    for name, run in runs.items():
        therapist[name] = saved_id(run.post(f"/record/{THERAPIST}",
                                            filled(run.get(f"/record/{THERAPIST}"))))
        a.http.unreachable = transactions_to(deps[name])
        queued[name] = queued_id(run.post(f"/record/{CLIENT}",
                                          filled(run.get(f"/record/{CLIENT}"))))
        a.http.unreachable = None
    a.clock.advance(60)
    outbox = a.flask_app.extensions["alliance"].saving.outbox
    assert outbox.run_due() == 2
    client_qr = {name: outbox.get(queued[name])["qr_id"] for name in runs}

    # A correction of each therapist rating, a removal of each client rating.
    for name, run in runs.items():
        _correct(run, therapist[name])
        _remove(run, client_qr[name])

    for name, dep in deps.items():
        other = b if dep is a else a
        responses = {r["id"]: r for r in in_store(dep, "QuestionnaireResponse")}
        assert set(responses) == {therapist[name], client_qr[name]}
        assert {r["subject"]["reference"] for r in responses.values()} == {
            f"{dep.iss}/Patient/{runs[name].patient}"}
        assert responses[therapist[name]]["status"] == "amended"
        assert responses[therapist[name]]["meta"]["versionId"] == "2"
        assert responses[client_qr[name]]["status"] == "entered-in-error"
        assert responses[client_qr[name]]["identifier"]["value"] == queued[name]
        for rtype in ("Observation", "Provenance"):
            text = json.dumps(in_store(dep, rtype))
            assert dep.iss in text and other.iss not in text, rtype
        # Everything sent to this EHR's store was about this EHR, under its own client.
        to_store = [e for e in a.http.exchanges if sent_to(dep, e.url)]
        assert to_store and not [e for e in to_store
                                 if other.ehr.url in e.url + e.body
                                 or other.companion.url in e.url + e.body]
        tokens = [e for e in to_store if e.url.endswith("/auth/token")]
        assert tokens and {assertion_issuer(e.body) for e in tokens} == {f"records-{name}"}
        # Audit events: this EHR's reads and writes delivered to this EHR's store only. (The
        # sandbox store does not take AuditEvents, so they stay in the spool: what is checked
        # is where and under which client each delivery went.)
        audit = [e for e in to_store if e.method == "POST" and '"AuditEvent"' in e.body]
        assert audit, f"no audit delivery to {name}'s store"
        events = [entry["resource"] for e in audit for entry in json.loads(e.body)["entry"]]
        servers = {agent["network"]["address"] for event in events
                   for agent in event["agent"] if agent.get("network")}
        assert {dep.iss, dep.companion_fhir} <= servers <= {
            dep.iss, dep.companion_fhir, dep.app.url}, servers  # the app is an agent too


def test_a_companion_stores_failed_token_request_is_said_plainly(two_ehrs) -> None:
    """B's store cannot give a token: B's page says the place ratings are kept could not be
    reached (not that signing in with the EHR failed); A's panel is not touched by it."""
    a, b = two_ehrs("tables")
    b.http.unreachable = lambda request: request.url == f"{b.companion.url}/auth/token"
    browser = b.browser()
    page = b.launch_ehr(browser, b.patient_ids()[0])
    assert page.status_code == 502, page.text[:800]
    assert "The place where ratings are kept could not be reached" in page.text
    assert "Nothing is lost" in page.text
    assert "Sign-in with the EHR failed" not in page.text
    assert open_launch(a).get("").status_code == 200


def test_a_queued_save_that_names_no_ehr_goes_to_the_store_it_was_queued_for(two_ehrs) -> None:
    """An outbox item of an older format (no issuer recorded): sent to the one configured
    store at the address it was queued for; one whose address no configured store has waits,
    and is never sent to another EHR's store."""
    a, b = two_ehrs("tables", audit="log")
    outbox = b.flask_app.extensions["alliance"].saving.outbox
    run = open_launch(b)
    b.http.unreachable = transactions_to(b)
    known = queued_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))
    unknown = queued_id(run.post(f"/record/{CLIENT}", filled(run.get(f"/record/{CLIENT}"))))
    store = outbox._store  # as an older version of the app wrote them
    for item_id, base in ((known, b.companion_fhir), (unknown, "http://localhost:9/fhir")):
        item = {k: v for k, v in outbox.get(item_id).items() if k != "iss"}
        store.put("outbox", item_id, {**item, "base": base}, 3600)
    b.http.unreachable = None
    b.clock.advance(60)
    assert outbox.run_due() == 1
    assert [r["identifier"]["value"] for r in in_store(b, "QuestionnaireResponse")] == [known]
    waiting = outbox.get(unknown)
    assert waiting["state"] == "queued" and waiting["why"] == "recording.no_companion"
    assert in_store(a, "QuestionnaireResponse") == []
    assert not [e for e in a.http.exchanges if sent_to(a, e.url)]
