"""A client's hand-off answers that the EHR cannot take when they are sent (its FHIR server
down): the client is not told they are saved, the clinician is told plainly whose answers are
waiting, the list clears once they are stored, nothing is listed twice, no answer is shown, and
the save goes on with the launch after the unlock rotates its handle."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from tests.support.launched import CLIENT, filled, form_fields, open_launch, stored

CLIENTS_WORDS = "Only my own words here"
WAITING = "The client's own answers (given on the device you handed over)"


def hand_off_while_the_ehr_is_down(dep):
    """Start a hand-off, let the client send while the EHR takes no saves; returns the launch
    (on the hand-off's handle), the unlock code, and what the client's window showed."""
    run = open_launch(dep)
    start = run.post("/handoff/start", {**form_fields(run.get("/record")),
                                        "questionnaire_id": CLIENT})
    run.handle = urlsplit(start.headers["Location"]).path.split("/")[2]
    lock = run.get("/handoff")
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', lock.text).group(1)
    client_url = dep.app.url + re.search(r'href="(/handoff/[^"?]+)"', lock.text).group(1)
    client = dep.browser()
    form = client.get(client_url, timeout=20)
    dep.http.unreachable = lambda request: (request.method == "POST" and request.url == dep.iss
                                            and b'"transaction"' in (request.body or b""))
    sent = client.post(client_url, data=filled(form, **{"item-helpful": CLIENTS_WORDS}),
                       timeout=20, allow_redirects=False)
    return run, code, sent


def mine(dep, run) -> list[dict]:
    return [qr for qr in stored(dep, "QuestionnaireResponse")
            if qr.get("encounter", {}).get("reference") == f"Encounter/{run.encounter}"]


def test_queued_hand_off_answers_are_listed_as_the_clients_once_and_cleared_when_stored(deploy):
    dep = deploy()
    run, code, sent = hand_off_while_the_ehr_is_down(dep)
    # The client is thanked without being told something untrue (nothing is stored yet).
    assert sent.status_code == 200 and "Thank you" in sent.text
    assert "have been saved" not in sent.text and "kept safely" in sent.text
    chart = run.get("/handoff")
    assert "have been saved" not in chart.text and "kept safely" in chart.text

    unlocked = run.post("/handoff/unlock", {**form_fields(chart), "code": code})
    assert unlocked.status_code == 303
    query = parse_qs(urlsplit(unlocked.headers["Location"]).query)
    assert "saved" not in query and query.get("queued")  # told: not stored yet
    run.handle = urlsplit(unlocked.headers["Location"]).path.split("/")[2]
    panel = run.get(unlocked.headers["Location"].split(f"/panel/{run.handle}", 1)[1]).text
    assert "Not stored yet" in panel
    listed = html.unescape(panel.split('id="unsent-h"', 1)[1].split("</section>", 1)[0])
    assert listed.count("<li>") == 1 and listed.count(WAITING) == 1, listed
    assert "waiting to be stored" in listed
    assert CLIENTS_WORDS not in panel  # the list says whose answers wait, never what they are
    assert mine(dep, run) == []

    dep.http.unreachable = None  # the EHR is back: sent once, and the list clears
    outbox = dep.flask_app.extensions["alliance"].saving.outbox
    dep.clock.advance(3600)
    assert outbox.run_due() == 1
    assert len(mine(dep, run)) == 1
    after = run.get("").text
    assert "Ratings not yet stored" not in after and WAITING not in after
    assert f"“{CLIENTS_WORDS}”" in after  # once stored, the client's words are on the panel


def test_queued_hand_off_answers_are_sent_after_the_unlock_without_a_panel_view(deploy):
    """The unlock moves the launch to a new handle; the queued save moves with it, so the
    outbox sends it with the launch's token at once, not only once a panel view adopts it."""
    dep = deploy()
    run, code, _sent = hand_off_while_the_ehr_is_down(dep)
    unlocked = run.post("/handoff/unlock", {**form_fields(run.get("/handoff")), "code": code})
    assert unlocked.status_code == 303
    dep.http.unreachable = None
    outbox = dep.flask_app.extensions["alliance"].saving.outbox
    dep.clock.advance(3600)
    assert outbox.run_due() == 1, [(i["state"], i["reason"]) for i in outbox.items()]
    assert len(mine(dep, run)) == 1
