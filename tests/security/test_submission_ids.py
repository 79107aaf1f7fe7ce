"""A submission id belongs to the launch whose save first used it.

The attack (issue 20, row 10): the victim's save is queued while the EHR is down; another
launch (another patient's session, another browser) posts a form carrying the victim's
submission id. The outbox used to overwrite the victim's queued item with the attacker's, so
the victim's rating was never sent. Now the id is bound to its owner (EHR, practitioner,
patient, session, rater, form): the other launch is refused with a plain page that keeps its
answers, and the victim's save is sent as it was."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from tests.support.clock import FakeClock
from tests.support.forms import read_form

from .app_harness import app_under_attack

THERAPIST = "alliance-checkin-therapist"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
OTHER = {"goal-1": "0", "goal-2": "0", "task-1": "0", "task-2": "0", "bond-1": "0",
         "bond-2": "0"}


def _form(browser, handle: str) -> dict[str, str]:
    page = browser.get(f"/panel/{handle}/record/{THERAPIST}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return dict(read_form(page.get_data(as_text=True), "http://localhost/").hidden)


def _post(browser, handle: str, fields: dict[str, str], answers: dict[str, str]):
    return browser.post(f"/panel/{handle}/record/{THERAPIST}",
                        data={**fields, **{f"item-{k}": v for k, v in answers.items()}})


def test_another_launch_posting_a_queued_saves_id_is_refused_and_the_save_is_sent(
        hostile, tmp_path):
    clock = FakeClock()
    app = app_under_attack(hostile(), tmp_path, clock=clock)
    transactions = app.fhir._transaction
    down = True

    def ehr(request):
        body = json.loads(request.get_data())
        if body.get("type") == "transaction" and down:
            return 503, {"resourceType": "OperationOutcome", "issue": []}
        return transactions(body) if body.get("type") == "transaction" else app.fhir._batch(
            request)
    app.fhir.server.route("POST", "/fhir", ehr)

    victim = app.launch()
    fields = _form(app.clinician, victim)
    queued = _post(app.clinician, victim, fields, ANSWERS)
    assert queued.status_code == 303, queued.get_data(as_text=True)[:800]
    victim_id = parse_qs(urlsplit(queued.headers["Location"]).query)["queued"][0]
    assert victim_id == fields["submission_id"]
    outbox = app.flask.extensions["alliance"].saving.outbox
    before = outbox.get(victim_id)

    # The attacker: another browser, another patient's session, the victim's submission id.
    app.ehr.token_extra.update(patient="p2", encounter="e2")
    app.ehr.code = app.ehr.code + "-attacker"
    attacker = app.browser()
    handle = app.launch(attacker)
    down = False  # the EHR is back: an overwritten item would be sent at once
    own = _form(attacker, handle)
    refused = _post(attacker, handle, {**own, "submission_id": victim_id}, OTHER)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409, page[:800]
    assert "Nothing was saved" in page and "still on this page" in page
    kept = read_form(page, "http://localhost/")
    assert kept.hidden["submission_id"] not in (victim_id, own["submission_id"])  # a fresh one
    assert page.count('value="0" checked') == len(OTHER)  # the attacker's answers kept

    assert outbox.get(victim_id) == before  # untouched
    assert [r for r in app.fhir.saved if r["resourceType"] == "QuestionnaireResponse"] == []
    clock.advance(60)
    assert outbox.run_due() == 1
    stored = [r for r in app.fhir.saved if r["resourceType"] == "QuestionnaireResponse"]
    assert len(stored) == 1
    assert stored[0]["subject"]["reference"] == "Patient/p1"
    assert stored[0]["identifier"]["value"] == victim_id
    assert {i["linkId"]: i["answer"][0]["valueCoding"]["code"] for i in stored[0]["item"]} \
        == ANSWERS

    # The attacker's own id still saves their rating (nothing of theirs is lost either).
    saved = _post(attacker, handle, kept.hidden, OTHER)
    assert saved.status_code == 303 and "saved=" in saved.headers["Location"]


def test_the_same_launch_sending_its_own_queued_save_again_is_not_refused(hostile, tmp_path):
    """The honest path: a double click or a resend of a queued save from its own page."""
    app = app_under_attack(hostile(), tmp_path)
    app.fhir.server.route("POST", "/fhir", lambda request: (
        (503, {"resourceType": "OperationOutcome", "issue": []})
        if json.loads(request.get_data()).get("type") == "transaction"
        else app.fhir._batch(request)))
    handle = app.launch()
    fields = _form(app.clinician, handle)
    first = _post(app.clinician, handle, fields, ANSWERS)
    again = _post(app.clinician, handle, fields, ANSWERS)
    assert first.status_code == 303 and "queued=" in first.headers["Location"]
    assert again.status_code != 409, again.get_data(as_text=True)[:800]
