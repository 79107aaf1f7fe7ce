"""One rating per session, rater and form (Back, a second tab), drafts that survive an expired
launch, and corrections that must change something: the sandbox EHR and the app as live
servers, forms posted as a browser posts them, records checked in the sandbox's store."""

from __future__ import annotations

import html
import re

from tests.support.launched import (
    ANSWERS,
    CLIENT,
    THERAPIST,
    filled,
    form_fields,
    open_launch,
    records_of,
    saved_id,
    stored,
)


def shown(page) -> dict[str, str]:
    """The form as the browser would send it: hidden fields, checked radios, textareas."""
    data = form_fields(page)
    data.update(re.findall(r'name="(item-[^"]+)" id="[^"]+" value="([^"]*)" checked', page.text))
    data.update((name, html.unescape(text)) for name, text in re.findall(
        r'<textarea name="((?:item-)?[^"]+)"[^>]*>([^<]*)</textarea>', page.text))
    return data


def expire(dep, run) -> None:
    """The launch's lifetime runs out: the session store no longer has it (moving the clock
    8 hours would also move the sandbox's 'today' and its session in context)."""
    dep.flask_app.extensions["alliance"].launches.store.delete("launch", run.handle)


def ratings(dep, run, questionnaire: str = THERAPIST) -> list[dict]:
    return [qr for qr in stored(dep, "QuestionnaireResponse")
            if qr.get("encounter", {}).get("reference") == f"Encounter/{run.encounter}"
            and qr["questionnaire"].split("|")[0].endswith(questionnaire)]


def test_back_after_a_save_opens_the_stored_rating_as_a_correction(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(page)))
    again = run.get(f"/record/{THERAPIST}", allow_redirects=False)  # the form, reloaded
    assert again.status_code == 303 and f"/responses/{qr_id}/correct" in again.headers["Location"]
    shown = run.get(f"/record/{THERAPIST}")
    assert "already has a rating on this form, so it opens as a correction" in shown.text
    # Back shows the old page (same submission id): sending it again stores nothing new.
    assert saved_id(run.post(f"/record/{THERAPIST}", filled(page))) == qr_id
    assert len(ratings(dep, run)) == 1


def test_a_second_tab_cannot_store_a_second_rating(deploy):
    dep = deploy()
    run = open_launch(dep)
    first_tab = run.get(f"/record/{THERAPIST}")
    second_tab = run.get(f"/record/{THERAPIST}")
    assert form_fields(first_tab)["submission_id"] != form_fields(second_tab)["submission_id"]
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(first_tab)))
    other = {**ANSWERS, "goal-1": "1"}
    refused = run.post(f"/record/{THERAPIST}", filled(second_tab, other))
    assert refused.status_code == 409
    assert "already has a therapist rating on this form" in refused.text
    assert "Nothing new was stored" in refused.text
    assert f"/responses/{qr_id}/correct" in refused.text  # the way to change it
    assert re.search(r'name="item-goal-1" id="[^"]+" value="1" checked', refused.text)
    assert len(ratings(dep, run)) == 1


def test_another_rater_or_form_for_the_same_session_is_allowed(deploy):
    dep = deploy()
    run = open_launch(dep)
    saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))
    client_form = run.get(f"/record/{CLIENT}")  # a client's paper form, typed in
    assert client_form.status_code == 200
    saved_id(run.post(f"/record/{CLIENT}", filled(client_form, {
        **ANSWERS, "helpful": "More time"})))
    assert len(ratings(dep, run)) == 1 and len(ratings(dep, run, CLIENT)) == 1


def test_an_expired_launch_keeps_the_typed_answers_until_the_next_launch(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    typed = filled(page, {**ANSWERS, "goal-1": "1"}, **{"item-helpful": "Talk about pace"})
    expire(dep, run)
    answer = run.post(f"/record/{THERAPIST}", typed)
    assert answer.status_code == 403
    assert "Nothing was saved yet" in answer.text
    assert "Alliance Panel keeps your answers as your draft" in answer.text
    assert "Open Alliance Panel again from this client's chart" in answer.text
    assert "Talk about pace" not in answer.text  # kept, not echoed
    assert ratings(dep, run) == []

    later = open_launch(dep)  # the same practitioner, patient and session
    assert (later.patient, later.encounter) == (run.patient, run.encounter)
    form = later.get(f"/record/{THERAPIST}")
    assert "restored from your draft" in form.text
    assert re.search(r'name="item-goal-1" id="[^"]+" value="1" checked', form.text)
    assert "Talk about pace" in form.text
    qr_id = saved_id(later.post(f"/record/{THERAPIST}", shown(form)))
    qr, _, _ = records_of(dep, qr_id)
    assert {i["linkId"]: i["answer"][0] for i in qr["item"]}["helpful"] == {
        "valueString": "Talk about pace"}
    assert "restored from your draft" not in later.get(f"/record/{THERAPIST}").text  # used up


def test_a_draft_is_kept_as_the_clinician_types(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    draft_url = re.search(r'data-draft-url="([^"]+)"', page.text).group(1)
    kept = run.browser.post(f"{dep.app.url}{draft_url}", data={
        "csrf_token": form_fields(page)["csrf_token"], "item-goal-2": "0"}, timeout=20)
    assert kept.status_code == 204
    forged = run.browser.post(f"{dep.app.url}{draft_url}", data={"item-goal-2": "4"}, timeout=20)
    assert forged.status_code == 403
    assert re.search(r'name="item-goal-2" id="[^"]+" value="0" checked',
                     run.get(f"/record/{THERAPIST}").text)


def test_a_draft_is_never_shown_to_another_patient_or_session(deploy):
    dep = deploy()
    run = open_launch(dep)
    page = run.get(f"/record/{THERAPIST}")
    expire(dep, run)
    run.post(f"/record/{THERAPIST}", filled(page, {"goal-1": "1"}))
    other = open_launch(dep, patient_index=1)
    assert other.patient != run.patient
    assert "restored from your draft" not in other.get(f"/record/{THERAPIST}").text


def test_an_unchanged_correction_is_refused(deploy):
    dep = deploy()
    run = open_launch(dep)
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))
    form = run.get(f"/responses/{qr_id}/correct")
    answer = run.post(f"/responses/{qr_id}/correct", {**shown(form), "reason": "typo"})
    assert answer.status_code == 422
    assert "Nothing was changed" in answer.text
    assert records_of(dep, qr_id)[0]["meta"]["versionId"] == "1"


def test_the_entered_in_error_form_validates_like_the_others(deploy):
    dep = deploy()
    run = open_launch(dep)
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(run.get(f"/record/{THERAPIST}"))))
    page = run.get(f"/responses/{qr_id}/entered-in-error")
    assert re.search(r"<form [^>]*novalidate", page.text)  # no browser bubble: our own check
    answer = run.post(f"/responses/{qr_id}/entered-in-error",
                      {**form_fields(page), "reason": "  "})
    assert answer.status_code == 422
    assert 'class="error-summary"' in answer.text and 'href="#reason"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert records_of(dep, qr_id)[0]["status"] == "completed"
