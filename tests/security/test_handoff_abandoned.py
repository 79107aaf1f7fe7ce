"""Issue 20, row 13: an abandoned hand-off kept taking a client rating.

The attack (or the accident): the clinician hands the questions to the client, the client opens
them, and the clinician, without unlocking, opens Alliance Panel again from the chart for the
same session. The client's link still took a rating, as the client's, for the rest of the old
launch's life (up to 8 hours), from whoever held the device or the link. Now a new launch for
the same session (EHR, signed-in user, patient, encounter) ends the open hand-off: the link
says plainly that the questions were closed and that nothing typed was saved."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import read_form

from .app_harness import app_under_attack

CLIENT_FORM = "alliance-checkin-client"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}


def _hand_off(app, clinician) -> tuple[str, str]:
    """Launch, start a hand-off: (the clinician's lock page URL, the client's link)."""
    handle = app.launch(clinician)
    choose = clinician.get(f"/panel/{handle}/record").get_data(as_text=True)
    started = clinician.post(f"/panel/{handle}/handoff/start", data={
        "csrf_token": read_form(choose, "http://localhost/").hidden["csrf_token"],
        "questionnaire_id": CLIENT_FORM})
    page = clinician.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*target="_blank"', page).group(1)
    return started.headers["Location"], link.replace("&amp;", "&")


def _send(client, link: str, form_page: str):
    form = read_form(form_page, f"http://localhost{link}")
    data = {**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}}
    return client.post(form.action.replace("http://localhost", ""), data=data)


def _client_ratings(app) -> list[dict]:
    return [r for r in app.fhir.saved if r["resourceType"] == "QuestionnaireResponse"]


def test_a_new_launch_for_the_session_closes_the_clients_open_questions(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)  # the EHR's frame, cookies blocked
    lock_url, link = _hand_off(app, clinician)
    client = app.flask.test_client(use_cookies=False)
    opened = client.get(link)
    assert opened.status_code == 200 and 'type="radio"' in opened.get_data(as_text=True)

    app.launch(clinician)  # the clinician relaunches from the chart, same session

    answer = _send(client, link, opened.get_data(as_text=True))
    text = answer.get_data(as_text=True)
    assert answer.status_code == 410
    assert not _client_ratings(app), "the abandoned hand-off still took a client rating"
    assert "These questions were closed" in text and "nothing you typed here was saved" in text
    assert "saved." not in text.replace("was saved.", "")  # no claim that anything was kept
    assert "These questions were closed" in client.get(link).get_data(as_text=True)
    lock = clinician.get(lock_url).get_data(as_text=True)  # the old launch says why
    assert "questions were closed" in lock and 'class="unlock-code"' not in lock


@pytest.mark.parametrize("other", [{"encounter": "e2"}, {"patient": "p2"}])
def test_a_launch_for_another_session_leaves_the_hand_off_open(hostile, tmp_path, other):
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)
    _, link = _hand_off(app, clinician)
    client = app.flask.test_client(use_cookies=False)
    opened = client.get(link)
    app.ehr.token_extra.update(other)
    app.launch(app.browser())  # another chart (another session) opened meanwhile
    answer = _send(client, link, opened.get_data(as_text=True))
    assert answer.status_code in (200, 303)
    assert len(_client_ratings(app)) == 1
