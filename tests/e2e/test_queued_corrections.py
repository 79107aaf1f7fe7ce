"""A correction the EHR cannot take now is kept in the outbox like a save: the clinician is
told it is not stored yet, the panel lists it as a correction, and it is sent once when the
EHR is back (the sandbox EHR takes transactions: its one request is sent again)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.support.launched import (
    ANSWERS,
    THERAPIST,
    filled,
    open_launch,
    records_of,
    saved_id,
    store,
)


def test_a_correction_queued_while_the_ehr_is_down_is_listed_then_stored_once(deploy):
    dep = deploy()
    run = open_launch(dep)
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))
    correct = run.get(f"/responses/{qr_id}/correct")
    dep.http.unreachable = lambda request: (request.method == "POST" and request.url == dep.iss
                                            and b'"transaction"' in (request.body or b""))
    told = run.post(f"/responses/{qr_id}/correct",
                    filled(correct, {**ANSWERS, "goal-1": "0"}, reason="Mis-clicked item 1"))
    assert told.status_code == 303
    assert parse_qs(urlsplit(told.headers["Location"]).query).get("queued")
    panel = run.get(told.headers["Location"].split(f"/panel/{run.handle}", 1)[1]).text
    assert "Not stored yet" in panel
    listed = panel.split('id="unsent-h"', 1)[1].split("</section>", 1)[0]
    assert listed.count("<li>") == 1 and "Correction of the therapist rating" in listed
    assert store(dep).read("QuestionnaireResponse", qr_id).resource["status"] == "completed"

    dep.http.unreachable = None
    outbox = dep.flask_app.extensions["alliance"].saving.outbox
    dep.clock.advance(3600)
    assert outbox.run_due() == 1
    qr, observations, provenances = records_of(dep, qr_id)
    assert qr["status"] == "amended" and qr["meta"]["versionId"] == "2"
    assert len(observations) == 4 and {o["status"] for o in observations} == {"amended"}
    assert len(provenances) == 2
    assert "Ratings not yet stored" not in run.get("").text
