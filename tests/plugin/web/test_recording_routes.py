"""Recording routes with Flask's test client; FHIR faked at the transport only."""

from __future__ import annotations

import datetime
import re
import time

import pytest

import fhir_profiles
from plugin.fhir.record_bundles import Submission, build_submission_records
from plugin.web import create_app
from smart_launch import LaunchContext
from smart_launch.scopes import GrantedScopes
from tests.support.fake_http import body_of, fake_session
from tests.support.fault_clinic import page_outcome as _outcome
from tests.support.forms import read_form

ISS = "https://ehr.example/fhir"
THERAPIST = "alliance-checkin-therapist"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}
CAPABILITY = {"resourceType": "CapabilityStatement", "rest": [{
    "mode": "server", "interaction": [{"code": "transaction"}],
    "resource": [{"type": t, "interaction": [{"code": "create"}, {"code": "update"}]}
                 for t in ("QuestionnaireResponse", "Observation", "Provenance")]}]}


def transaction_answer(request):
    bundle = body_of(request)
    return 200, {"resourceType": "Bundle", "type": "transaction-response", "entry": [
        {"response": {"status": "201 Created", "location":
                      f"{e['request']['url']}/id{i}/_history/1"}}
        for i, e in enumerate(bundle["entry"])]}


@pytest.fixture
def env(tmp_path):
    http, transport = fake_session()
    transport.add("GET", f"{ISS}/metadata", (200, CAPABILITY))
    app = create_app({
        "public_url": "https://app.example", "client_id": "c", "allowed_iss": ISS,
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
        "data_dir": str(tmp_path)}, http=http)
    app.config["TESTING"] = True
    return app, transport


def launch(app, handle="H", **overrides):
    values = {"iss": ISS, "patient": "p1", "encounter": "e1",
              "fhir_user": f"{ISS}/Practitioner/dr1", "expires_at": time.time() + 3600,
              "access_token": "tok", "token_endpoint": "https://ehr.example/token",
              "scopes": GrantedScopes.parse("launch openid fhirUser patient/*.cruds"),
              **overrides}
    context = LaunchContext(**values)
    app.extensions["alliance"].launches.store.put(
        "launch", handle, {"context": context.to_dict(), "browser": None}, 3600)
    return handle


def fields_of(page_html: str, answers=ANSWERS, **extra) -> dict:
    form = read_form(page_html, "https://app.example/")
    return {**form.hidden, **{f"item-{k}": v for k, v in answers.items()}, **extra}


def test_form_is_generated_from_the_questionnaire(env):
    app, _ = env
    handle = launch(app)
    page = app.test_client().get(f"/panel/{handle}/record/{THERAPIST}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("<fieldset") == 6 and text.count("<legend>") == 6
    assert re.search(r'<input type="radio" name="item-goal-1" id="item-goal-1-0"', text)
    assert '<label for="item-goal-1-0">Not at all</label>' in text
    assert "<textarea" in text and 'type="submit"' in text
    assert "<script>" not in text and "style=" not in text  # no inline script (CSP)
    assert re.findall(r"<script[^>]*>", text) == ['<script src="/static/draft.js" defer>']
    assert "forms.css" in text
    hidden = read_form(text, "https://app.example/").hidden
    assert len(hidden["submission_id"]) == 36 and len(hidden["csrf_token"]) == 64


def test_a_valid_form_is_one_transaction_then_a_303_to_the_panel(env):
    app, transport = env
    transport.add("POST", ISS, transaction_answer)
    handle = launch(app)
    client = app.test_client()
    page = client.get(f"/panel/{handle}/record/{THERAPIST}").get_data(as_text=True)
    opened = len(transport.sent)  # the form page reads the patient's name and session date
    answer = client.post(f"/panel/{handle}/record/{THERAPIST}", data=fields_of(page))
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/panel/{handle}?saved=id0"
    posts = [r for r in transport.sent[opened:] if r.method == "POST"]
    assert len(posts) == 1  # saving is one round trip
    bundle = body_of(posts[0])
    assert bundle["type"] == "transaction"
    qr = bundle["entry"][0]["resource"]
    assert qr["author"] == {"reference": "Practitioner/dr1"}
    assert qr["subject"] == {"reference": "Patient/p1"}
    assert qr["encounter"] == {"reference": "Encounter/e1"}
    assert all("ifNoneExist" in e["request"] for e in bundle["entry"])
    assert [e["resource"]["resourceType"] for e in bundle["entry"]].count("Observation") == 4


def test_validation_errors_are_shown_by_each_field_and_the_answers_kept(env):
    app, transport = env
    handle = launch(app)
    client = app.test_client()
    page = client.get(f"/panel/{handle}/record/{THERAPIST}").get_data(as_text=True)
    data = fields_of(page, {"goal-1": "3", "goal-2": "9"}, **{"item-helpful": "<b>typed</b>"})
    opened = len(transport.sent)  # the form page read the patient's name and session date
    answer = client.post(f"/panel/{handle}/record/{THERAPIST}", data=data)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'role="alert"' in text and 'href="#item-task-1"' in text
    assert 'aria-describedby="item-goal-2-error"' in text
    assert "Choose one of the answers shown." in text and "Please choose an answer." in text
    assert 'value="3" checked' in text
    assert "&lt;b&gt;typed&lt;/b&gt;" in text  # kept, and escaped
    assert read_form(text, "https://x/").hidden["submission_id"] == data["submission_id"]
    assert not [r for r in transport.sent[opened:] if r.method == "POST"]


def test_a_post_without_the_launch_csrf_token_is_refused(env):
    app, transport = env
    handle = launch(app)
    other = launch(app, "OTHER")
    client = app.test_client()
    page = client.get(f"/panel/{other}/record/{THERAPIST}").get_data(as_text=True)
    opened = len(transport.sent)
    answer = client.post(f"/panel/{handle}/record/{THERAPIST}", data=fields_of(page))
    assert answer.status_code == 403
    assert not [r for r in transport.sent[opened:] if r.method == "POST"]


def test_a_refused_save_keeps_the_answers_and_says_nothing_was_saved(env):
    app, transport = env
    transport.add("POST", ISS, (422, {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "invalid", "diagnostics": "no thanks"}]}))
    handle = launch(app)
    client = app.test_client()
    page = client.get(f"/panel/{handle}/record/{THERAPIST}").get_data(as_text=True)
    answer = client.post(f"/panel/{handle}/record/{THERAPIST}", data=fields_of(page))
    text = answer.get_data(as_text=True)
    assert answer.status_code == 502
    assert "The EHR refused to store this rating, so nothing was saved." in text
    assert "Your answers are not lost: they are still on this page." in text
    # The EHR's own words are for the IT team, folded away.
    assert "no thanks" in text.split("Details for your IT team", 1)[1]
    assert "FHIR" not in text.split("Details for your IT team", 1)[0].split("save-failed", 1)[1]
    assert 'name="item-bond-1" id="item-bond-1-4" value="4" checked' in text


def test_without_a_session_in_context_recording_is_refused(env):
    app, _ = env
    handle = launch(app, encounter=None)
    answer = app.test_client().get(f"/panel/{handle}/record/{THERAPIST}")
    assert answer.status_code == 409
    assert "No session is open" in answer.get_data(as_text=True)


def test_a_therapist_rating_needs_a_practitioner(env):
    app, _ = env
    handle = launch(app, fhir_user=f"{ISS}/Person/x1")  # (a Patient's sign-in opens nothing)
    answer = app.test_client().get(f"/panel/{handle}/record/{THERAPIST}")
    assert answer.status_code == 409 and "fhirUser" in answer.get_data(as_text=True)


def test_hand_off_locks_every_url_of_the_launch(env):
    app, _ = env
    handle = launch(app)
    other = launch(app, "OTHER")
    client = app.test_client()
    choose = client.get(f"/panel/{handle}/record").get_data(as_text=True)
    token = read_form(choose, "https://x/").hidden["csrf_token"]
    start = client.post(f"/panel/{handle}/handoff/start",
                        data={"csrf_token": token, "questionnaire_id": "alliance-checkin-client"})
    assert start.status_code == 303
    lock = start.headers["Location"]
    new = lock.split("/")[2]
    assert new != handle and lock == f"/panel/{new}/handoff"
    assert client.get(f"/panel/{handle}").status_code == 403  # the old handle is dead
    page = client.get(lock).get_data(as_text=True)
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', page)[1]
    client_url = re.search(r'href="(/handoff/[^"?]+)"', page)[1]
    for path in ("", "/record", f"/record/{THERAPIST}", "/responses/x"):
        answer = client.get(f"/panel/{new}{path}")
        assert answer.status_code == 303, path
        assert answer.headers["Location"].endswith(f"/panel/{new}/handoff")
    assert client.get(f"/panel/{other}/record").status_code == 200  # other launches are free
    form = client.get(client_url).get_data(as_text=True)
    assert "A few questions" in form and "/panel/" not in form
    assert code.replace(" ", "") not in form and new not in form
    after = client.get(lock).get_data(as_text=True)  # the chart's page no longer shows the code
    assert code not in after and 'class="unlock-code"' not in after
    assert "client has the questions" in after
    new_token = read_form(after, "https://x/").hidden["csrf_token"]
    again = client.post(f"/panel/{new}/handoff/start", data={
        "csrf_token": new_token, "questionnaire_id": "alliance-checkin-client"})
    assert again.status_code == 303  # no second code while one hand-off is active
    unlocked = client.post(f"/panel/{new}/handoff/unlock",
                           data={"csrf_token": new_token, "code": code})
    assert unlocked.status_code == 303
    final = unlocked.headers["Location"].split("/")[2]
    assert final not in (handle, new)
    assert client.get(f"/panel/{final}/record").status_code == 200
    assert client.get(f"/panel/{new}/record").status_code == 403
    assert client.get(client_url).status_code == 410


def test_transcription_forms_cannot_be_handed_off(env):
    app, _ = env
    handle = launch(app)
    client = app.test_client()
    token = read_form(client.get(f"/panel/{handle}/record").get_data(as_text=True),
                      "https://x/").hidden["csrf_token"]
    answer = client.post(f"/panel/{handle}/handoff/start",
                         data={"csrf_token": token, "questionnaire_id": "wai-sr-client"})
    assert answer.status_code == 409


def test_every_time_written_comes_from_the_injected_clock(tmp_path):
    moment = datetime.datetime(2026, 11, 30, 10, 15, tzinfo=datetime.UTC)
    http, transport = fake_session()
    transport.add("GET", f"{ISS}/metadata", (200, CAPABILITY))
    app = create_app({
        "public_url": "https://app.example", "client_id": "c", "allowed_iss": ISS,
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
        "data_dir": str(tmp_path)}, http=http,
        clock=moment.timestamp)
    stored = build_submission_records(Submission(
        fhir_profiles.questionnaire(THERAPIST), ANSWERS, "therapist", "Patient/p1",
        "Encounter/e1", "Practitioner/dr1", datetime.datetime(2026, 11, 2, 9, 0,
                                                              tzinfo=datetime.UTC),
        "11111111-1111-4111-8111-111111111111", "Alliance Panel", "0.1.0"))
    qr = {**stored.questionnaire_response, "id": "qr1",
          "meta": {**stored.questionnaire_response["meta"], "versionId": "1"}}

    def fhir(request):
        bundle = body_of(request)
        if bundle["type"] == "batch":  # reading the record back
            empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
            return 200, {"resourceType": "Bundle", "type": "batch-response", "entry": [
                {"resource": qr, "response": {"status": "200"}},
                *({"resource": empty, "response": {"status": "200"}} for _ in range(3))]}
        return transaction_answer(request)

    transport.add("POST", ISS, fhir)
    handle = launch(app)
    client = app.test_client()
    page = client.get(f"/panel/{handle}/record/{THERAPIST}").get_data(as_text=True)
    assert client.post(f"/panel/{handle}/record/{THERAPIST}",
                       data=fields_of(page)).status_code == 303
    page = client.get(f"/panel/{handle}/responses/qr1/correct").get_data(as_text=True)
    changed = {**ANSWERS, "goal-1": "0"}  # a correction must change something
    assert client.post(f"/panel/{handle}/responses/qr1/correct",
                       data=fields_of(page, changed, reason="Mis-clicked")).status_code == 303
    saved, corrected = [body_of(r) for r in transport.sent
                        if r.method == "POST" and body_of(r)["type"] == "transaction"]
    by_type = {e["resource"]["resourceType"]: e["resource"] for e in saved["entry"]}
    assert by_type["QuestionnaireResponse"]["authored"] == "2026-11-30T10:15:00+00:00"
    assert by_type["Provenance"]["recorded"] == "2026-11-30T10:15:00.000+00:00"
    provenance = corrected["entry"][-1]["resource"]
    assert provenance["recorded"] == "2026-11-30T10:15:00.000+00:00"
    # the correction keeps when the answers were first given
    assert corrected["entry"][0]["resource"]["authored"] == "2026-11-02T09:00:00+00:00"


def test_each_result_page_says_its_outcome_as_data_for_harnesses(env):
    """What happened is on <main data-outcome>, read as the fault clinic reads it
    (tests/support/fault_clinic.py), so no harness parses a clinician's sentence."""
    app, transport = env
    handle = launch(app)
    client = app.test_client()
    page = client.get(f"/panel/{handle}/record/{THERAPIST}").get_data(as_text=True)
    assert _outcome(page) is None  # a form, before anything happened
    invalid = client.post(f"/panel/{handle}/record/{THERAPIST}",
                          data=fields_of(page, {"goal-1": "9"}))
    assert (invalid.status_code, _outcome(invalid.get_data(as_text=True))) == (422, "invalid")
    transport.add("POST", ISS, (422, {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "invalid", "diagnostics": "no thanks"}]}))
    refused = client.post(f"/panel/{handle}/record/{THERAPIST}", data=fields_of(page))
    assert (refused.status_code, _outcome(refused.get_data(as_text=True))) == (502, "refused")
    no_session = client.get(f"/panel/{launch(app, 'NOSESSION', encounter=None)}/record/"
                            f"{THERAPIST}")
    assert (no_session.status_code, _outcome(no_session.get_data(as_text=True))) == (409, "error")
