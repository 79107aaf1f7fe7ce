"""Recording through the real launch: the sandbox EHR and the app as live servers, forms posted
the way a browser posts them, and the stored records checked in the sandbox's own store."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import requests

from plugin.fhir.record_resources import SUBMISSION_SYSTEM
from tests.support.launched import (
    ANSWERS,
    CLIENT,
    THERAPIST,
    agent,
    filled,
    form_fields,
    open_launch,
    records_of,
    saved_id,
    store,
    stored,
)
from tests.support.pages import panel_patient_name


def test_therapist_rating_is_one_qr_with_scores_and_provenance(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    assert page.status_code == 200 and 'type="radio"' in page.text
    answer = run.post(f"/record/{THERAPIST}", filled(page))
    qr_id = saved_id(answer)
    panel = run.get(answer.headers["Location"].split(f"/panel/{run.handle}", 1)[1])
    assert '<main id="main" data-outcome="saved">' in panel.text

    qr, observations, provenances = records_of(dep, qr_id)
    assert qr["status"] == "completed"
    assert qr["subject"] == {"reference": f"Patient/{run.patient}"}
    assert qr["encounter"] == {"reference": f"Encounter/{run.encounter}"}
    assert qr["author"] == {"reference": f"Practitioner/{run.practitioner}"}
    assert qr["questionnaire"].split("|")[0].endswith(f"Questionnaire/{THERAPIST}")
    assert {o["code"]["coding"][0]["code"] for o in observations} == {
        "total", "goal", "task", "bond"}
    total = next(o for o in observations if o["code"]["coding"][0]["code"] == "total")
    assert total["subject"] == qr["subject"] and total["encounter"] == qr["encounter"]
    assert total["valueQuantity"]["value"] > 0
    assert len(provenances) == 1
    prov = provenances[0]
    # The sandbox resolves resolve-as-version-specific: the Provenance and the scores name the
    # exact versions the transaction made, and the extension is gone.
    targets = {t["reference"] for t in prov["target"]}
    assert targets == {f"QuestionnaireResponse/{qr_id}/_history/1",
                       *(f"Observation/{o['id']}/_history/1" for o in observations)}
    assert all("extension" not in t for t in prov["target"])
    assert all(o["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr_id}/_history/1"}]
               for o in observations)
    assert agent(prov, "author") == f"Practitioner/{run.practitioner}"
    assert prov["contained"][0]["resourceType"] == "Device"
    assert agent(prov, "assembler") == "#app"

    # The record page labels its numbers: when it was answered, what each answer counts.
    shown = run.get(f"/responses/{qr_id}").text
    assert re.search(r"answered \d{1,2} \w{3} \d{4}, \d\d:\d\d", shown)
    assert 'Mostly <span class="muted small">(counts 3)</span>' in shown  # goal-1
    assert 'Mostly <span class="muted small">(counts 1: scored in reverse)</span>' in shown


def test_client_hand_off_stores_a_client_rating_and_locks_the_panel(deploy):
    dep = deploy()
    run = open_launch(dep)
    first_handle = run.handle
    patient_name = panel_patient_name(run.get("").text)
    choose = run.get("/record")
    start = run.post("/handoff/start", {**form_fields(choose), "questionnaire_id": CLIENT})
    assert start.status_code == 303, start.text[:800]
    run.handle = urlsplit(start.headers["Location"]).path.split("/")[2]  # rotated
    assert run.handle != first_handle
    lock = run.get("/handoff")
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', lock.text).group(1)
    client_url = dep.app.url + re.search(r'href="(/handoff/[^"?]+)"', lock.text).group(1)

    # The panel (and every other URL of the launch) now shows the hand-off, not the panel.
    for path in ("", f"/record/{THERAPIST}", "/record"):
        answer = run.get(path, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/handoff")
    # The client's window, a browser of its own, opens the questions with the capability.
    client = dep.browser()
    form = client.get(client_url, timeout=20)
    assert form.status_code == 200 and 'type="radio"' in form.text
    visible = form.text
    assert patient_name not in visible
    assert "Session" not in visible.replace("sessions", "")  # no sessions list, no scores
    links = re.findall(r'(?:href|action)="([^"]+)"', visible)
    assert all(not link.startswith("/panel/") for link in links), links
    assert code.replace(" ", "") not in visible and run.handle not in visible
    assert code not in run.get("/handoff").text  # the chart's page hides the code now

    qr_id = None
    said = "I felt rushed today & I am not sure this is helping"
    sent = client.post(client_url, data=filled(form, **{"item-helpful": said}), timeout=20,
                       allow_redirects=False)
    assert sent.status_code == 200 and "Thank you" in sent.text
    assert patient_name not in sent.text
    assert client.get(client_url, timeout=20).status_code == 410  # the capability is dead
    thanks = run.get("/handoff")
    assert "Thank you" in thanks.text
    assert run.get("", allow_redirects=False).status_code == 303  # still locked

    wrong = run.post("/handoff/unlock", {**form_fields(thanks), "code": "000000"
                                         if code.replace(" ", "") != "000000" else "111111"})
    assert wrong.status_code == 403 and "not right" in wrong.text
    unlocked = run.post("/handoff/unlock", {**form_fields(thanks), "code": code})
    qr_id = saved_id(unlocked)
    locked_handle = run.handle
    run.handle = urlsplit(unlocked.headers["Location"]).path.split("/")[2]
    assert run.handle not in (first_handle, locked_handle)
    panel = run.get("", allow_redirects=False)
    assert panel.status_code == 200
    # the client's answers stay theirs: the record says whose they are and cannot be edited
    page = html.unescape(run.get(f"/responses/{qr_id}").text)
    assert "The client's own answers, as they gave them." in page and ">Correct<" not in page
    assert "Remove: recorded by mistake" in page
    refused = run.get(f"/responses/{qr_id}/correct")
    assert refused.status_code >= 400 and "no one can change them here" in refused.text
    again = run.get(f"/record/{CLIENT}", allow_redirects=False)
    assert again.status_code == 303 and f"/responses/{qr_id}?existing=1" in again.headers[
        "Location"]
    # the client's own words lead the panel, marked as theirs, and are listed with the others
    current = panel.text.split('id="current-h"', 1)[1].split("</section>", 1)[0]
    assert "The client wrote:</span> “I felt rushed today &amp; I am not sure" in current
    assert panel.text.count("I felt rushed today &amp; I am not sure this is helping") == 3

    qr, observations, provenances = records_of(dep, qr_id)
    patient_ref = {"reference": f"Patient/{run.patient}"}
    assert qr["author"] == patient_ref and qr["subject"] == patient_ref
    assert qr["extension"][0]["valueCoding"]["code"] == "client"
    assert qr["encounter"] == {"reference": f"Encounter/{run.encounter}"}
    assert len(observations) == 4 and len(provenances) == 1
    assert agent(provenances[0], "author") == f"Patient/{run.patient}"
    assert all(o["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr_id}/_history/1"}]
               for o in observations)


def test_sending_the_same_form_twice_stores_it_once(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    data = filled(page)
    first = saved_id(run.post(f"/record/{THERAPIST}", data))
    second = saved_id(run.post(f"/record/{THERAPIST}", data))
    assert first == second
    submission = data["submission_id"]
    mine = [q for q in stored(dep, "QuestionnaireResponse")
            if q.get("identifier", {}).get("value") == submission]
    assert len(mine) == 1
    _, observations, provenances = records_of(dep, first)
    assert len(observations) == 4 and len(provenances) == 1
    assert mine[0]["identifier"]["system"] == SUBMISSION_SYSTEM


def test_correction_makes_version_2_amended_and_entered_in_error_keeps_history(deploy):
    dep = deploy()
    run = open_launch(dep)
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))

    correct = run.get(f"/responses/{qr_id}/correct")
    assert correct.status_code == 200
    assert re.search(r'name="item-goal-1" id="[^"]+" value="3" checked', correct.text)
    no_reason = run.post(f"/responses/{qr_id}/correct",
                         filled(correct, {**ANSWERS, "goal-1": "0"}))
    assert no_reason.status_code == 422 and "reason" in no_reason.text.lower()
    assert re.search(r'value="0" checked', no_reason.text)  # the typed answer is kept
    done = run.post(f"/responses/{qr_id}/correct",
                    filled(correct, {**ANSWERS, "goal-1": "0"}, reason="Mis-clicked item 1"))
    assert done.status_code == 303, done.text[:800]
    qr, observations, provenances = records_of(dep, qr_id)
    assert qr["status"] == "amended" and qr["meta"]["versionId"] == "2"
    assert len(store(dep).history("QuestionnaireResponse", qr_id)) == 2
    total = next(o for o in observations if o["code"]["coding"][0]["code"] == "total")
    assert total["status"] == "amended"
    assert any(p.get("reason", [{}])[0].get("text") == "Mis-clicked item 1" for p in provenances)
    # each Provenance names the version it accounts for, once: the save 1, the correction 2
    named = sorted(t["reference"] for p in provenances for t in p["target"]
                   if t["reference"].startswith(f"QuestionnaireResponse/{qr_id}"))
    assert named == [f"QuestionnaireResponse/{qr_id}/_history/{n}" for n in (1, 2)]
    assert total["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr_id}/_history/2"}]

    view = run.get(f"/responses/{qr_id}")
    assert view.status_code == 200 and "amended" in view.text and "Versions" in view.text
    assert "Who changed it, and why" in view.text and "Mis-clicked item 1" in view.text
    assert "<td>corrected</td>" in view.text and "<td>recorded</td>" in view.text
    assert "Practitioner/" not in view.text  # the practitioner by name, not by reference
    assert re.search(r"<td>[A-Z][a-z]+ [A-Z][a-z]+, with Alliance Panel", view.text)

    confirm = run.get(f"/responses/{qr_id}/entered-in-error")
    assert confirm.status_code == 200
    assert "Remove this rating as recorded by mistake?" in confirm.text
    marked = run.post(f"/responses/{qr_id}/entered-in-error",
                      {**form_fields(confirm), "reason": "Wrong patient's session"})
    assert marked.status_code == 303, marked.text[:800]
    history = store(dep).history("QuestionnaireResponse", qr_id)
    assert [h.resource["status"] for h in history] == [
        "entered-in-error", "amended", "completed"]
    _, observations, _ = records_of(dep, qr_id)
    assert {o["status"] for o in observations} == {"entered-in-error"}
    view = run.get(f"/responses/{qr_id}")
    assert "Removed: recorded by mistake" in view.text and "/correct" not in view.text


def test_form_errors_keep_the_typed_answers(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get("/record/srs")
    assert "completed paper form" in page.text and "Item 1 of the paper form" in page.text
    assert "the left end of the line, the lowest" in page.text  # the scale's ends, unworded
    answer = run.post("/record/srs", filled(page, {"1": "7,5", "2": "11", "3": "x"}))
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert 'value="7,5"' in answer.text and 'value="11"' in answer.text
    assert "from 0 to 10" in answer.text and 'aria-describedby="item-2-hint item-2-error"' in \
        answer.text
    assert form_fields(answer)["submission_id"] == form_fields(page)["submission_id"]
    fixed = filled(answer, {"1": "7,5", "2": "9.9", "3": "8", "4": "10"})
    qr_id = saved_id(run.post("/record/srs", fixed))
    qr, observations, provenances = records_of(dep, qr_id)
    assert [i["answer"][0]["valueDecimal"] for i in qr["item"]] == [7.5, 9.9, 8.0, 10.0]
    assert all("text" not in i for i in qr["item"])  # licensed wording never stored
    assert agent(provenances[0], "author") == f"Patient/{run.patient}"
    assert agent(provenances[0], "enterer") == f"Practitioner/{run.practitioner}"


def test_a_post_without_the_csrf_token_is_refused(deploy):
    dep = deploy()
    run = open_launch(dep)
    data = filled(run.get(f"/record/{THERAPIST}"))
    for bad in ({k: v for k, v in data.items() if k != "csrf_token"},
                {**data, "csrf_token": "0" * 64}):
        answer = run.post(f"/record/{THERAPIST}", bad)
        assert answer.status_code == 403
    assert not [q for q in stored(dep, "QuestionnaireResponse")
                if q.get("identifier", {}).get("value") == data["submission_id"]]


def test_a_fhir_failure_during_save_keeps_the_answers(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    data = filled(page, {**ANSWERS, "goal-1": "1"}, **{"item-helpful": "More structure"})
    fhir = dep.flask_sandbox.extensions["ehr_sandbox"]["fhir"]
    writable = fhir.writable_types
    fhir.writable_types = frozenset(writable - {"QuestionnaireResponse"})
    answer = run.post(f"/record/{THERAPIST}", data)
    assert answer.status_code == 502, answer.text[:800]
    assert "The EHR refused to store this rating, so nothing was saved." in answer.text
    assert "Your answers are not lost: they are still on this page." in answer.text
    assert 'role="alert"' in answer.text
    assert re.search(r'name="item-goal-1" id="[^"]+" value="1" checked', answer.text)
    assert "More structure" in answer.text
    assert form_fields(answer)["submission_id"] == data["submission_id"]

    fhir.writable_types = writable
    assert saved_id(run.post(f"/record/{THERAPIST}", filled(answer)))


def test_an_unreachable_server_during_save_queues_it_then_sends_it_once(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    dep.http.unreachable = lambda request: (request.method == "POST" and request.url == dep.iss
                                            and b'"transaction"' in (request.body or b""))
    answer = run.post(f"/record/{THERAPIST}", filled(page))
    assert answer.status_code == 303  # kept in the outbox, and the clinician is told so
    panel = run.get(answer.headers["Location"].split(f"/panel/{run.handle}", 1)[1])
    assert "Not stored yet: the EHR did not answer. Nothing is lost" in panel.text
    assert '<main id="main" data-outcome="queued">' in panel.text  # the same, as data
    assert "waiting to be stored" in panel.text and "keeps trying by itself" in panel.text
    assert "FHIR" not in panel.text and "HTTP" not in panel.text
    dropped = [e for e in dep.http.exchanges if e.url == dep.iss and e.status == 0]
    assert len(dropped) == 2 and dep.waits == [0.5]  # one quick retry, then the outbox
    assert not [qr for qr in stored(dep, "QuestionnaireResponse")
                if qr.get("encounter", {}).get("reference") == f"Encounter/{run.encounter}"]

    again = run.post(f"/record/{THERAPIST}", filled(page))  # Back, Save: still one rating
    assert again.status_code == 303
    dep.http.unreachable = None  # the network is back: the outbox sends it, once
    outbox = dep.flask_app.extensions["alliance"].saving.outbox
    dep.clock.advance(outbox.policy.delay(2))  # two attempts so far
    assert outbox.run_due() == 1
    mine = [qr for qr in stored(dep, "QuestionnaireResponse")
            if qr.get("encounter", {}).get("reference") == f"Encounter/{run.encounter}"]
    assert len(mine) == 1 and mine[0]["status"] == "completed"
    assert "Ratings not yet stored" not in run.get("").text



def test_every_error_page_has_a_way_out(deploy):
    dep = deploy()
    run = open_launch(dep)
    missing = run.get("/responses/no-such-record")
    assert missing.status_code == 404
    assert f'<a href="/panel/{run.handle}">Back to the panel</a>' in missing.text
    outside = requests.get(f"{dep.app.url}/panel/not-a-handle", timeout=10)
    assert outside.status_code >= 400
    assert "open Alliance Panel again from the patient's chart" in outside.text
