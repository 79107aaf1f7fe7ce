"""Finding 1: a client can open the clinical panel after a hand-off.

The attack: inside the EHR frame the launch is not bound to a browser (no cookie kept). The
clinician hands the device over with "open in a full window"; the client copies that window's
address, turns it into any other URL of the app, and keeps it until after the clinician unlocked.
Now: the client's window carries only a capability that opens the questionnaire, the clinician's
handle is rotated at the start and at the end, and the capability dies once the client sends."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.support.forms import read_form

from .app_harness import app_under_attack

CLIENT_FORM = "alliance-checkin-client"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}


def _csrf(page: str) -> str:
    return read_form(page, "http://app/").hidden["csrf_token"]


def _start(clinician: FlaskClient, handle: str):
    choose = clinician.get(f"/panel/{handle}/record").get_data(as_text=True)
    return clinician.post(f"/panel/{handle}/handoff/start", follow_redirects=True,
                          data={"csrf_token": _csrf(choose), "questionnaire_id": CLIENT_FORM})


def _full_window_link(page: str) -> str:
    match = re.search(r'<a[^>]*href="([^"]+)"[^>]*target="_blank"', page) or re.search(
        r'<a[^>]*target="_blank"[^>]*href="([^"]+)"', page)
    assert match, "no full-window link on the hand-off page"
    return match.group(1).replace("&amp;", "&")


def _handles_in(url: str) -> list[str]:
    return re.findall(r"/panel/([^/?#]+)", url)


def _send(client: FlaskClient, link: str):
    form = client.get(link)
    assert form.status_code == 200 and 'type="radio"' in form.get_data(as_text=True)
    page = form.get_data(as_text=True)
    parsed = read_form(page, f"http://localhost{link}")
    action = parsed.action.replace("http://localhost", "")
    data = {**parsed.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}}
    return client.post(action, data=data, follow_redirects=False)


def test_the_clients_window_never_opens_the_panel_before_or_after_the_unlock(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)  # a frame whose cookies are blocked
    handle = app.launch(clinician)
    started = _start(clinician, handle)
    page = started.get_data(as_text=True)
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', page).group(1).replace(" ", "")
    link = _full_window_link(page)

    client = app.flask.test_client(use_cookies=False)  # the client's full window
    stolen = [f"/panel/{h}" for h in {*_handles_in(link), handle}]
    for url in stolen:  # while the hand-off runs
        assert "Alliance across sessions" not in client.get(url).get_data(as_text=True), url
    assert _send(client, link).status_code in (200, 303)
    assert len([r for r in app.fhir.saved if r["resourceType"] == "QuestionnaireResponse"]) == 1

    lock_page = "/panel/" + (_handles_in(started.request.path) or [handle])[0] + "/handoff"
    lock = clinician.get(lock_page).get_data(as_text=True)
    unlocked = clinician.post(read_form(lock, "http://localhost/").action.replace(
        "http://localhost", ""), data={"csrf_token": _csrf(lock), "code": code})
    assert unlocked.status_code == 303
    final = _handles_in(unlocked.headers["Location"])[0]
    assert clinician.get(f"/panel/{final}").status_code == 200  # the clinician is back

    for url in stolen:  # after the unlock: nothing the client saw opens anything
        answer = client.get(url)
        assert answer.status_code != 200, f"{url} opened after the unlock"
    assert client.get(link).status_code == 410
    assert final not in link and not _handles_in(link)


def test_the_full_window_page_carries_only_the_client_capability(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)
    handle = app.launch(clinician)
    page = _start(clinician, handle).get_data(as_text=True)
    link = _full_window_link(page)
    assert not _handles_in(link) and handle not in link

    client = app.flask.test_client(use_cookies=False)
    questions = client.get(link).get_data(as_text=True)
    assert handle not in questions and "/panel/" not in questions
    for current in _handles_in(clinician.get(f"/panel/{handle}").headers.get("Location", "")):
        assert current not in questions
    assert client.get(link.replace("/handoff/", "/panel/")).status_code != 200


def test_the_handle_rotates_when_the_hand_off_starts_and_ends(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)
    handle = app.launch(clinician)
    started = _start(clinician, handle)
    during = _handles_in(started.request.path)[0]
    assert during != handle
    assert clinician.get(f"/panel/{handle}").status_code == 403  # the old handle is dead
    page = started.get_data(as_text=True)
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', page).group(1)
    _send(app.flask.test_client(use_cookies=False), _full_window_link(page))
    lock = clinician.get(f"/panel/{during}/handoff").get_data(as_text=True)
    unlocked = clinician.post(f"/panel/{during}/handoff/unlock",
                              data={"csrf_token": _csrf(lock), "code": code})
    after = _handles_in(unlocked.headers["Location"])[0]
    assert after not in (handle, during)
    assert clinician.get(f"/panel/{during}").status_code == 403


def test_the_capability_opens_the_questionnaire_and_nothing_else(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)
    handle = app.launch(clinician)
    link = _full_window_link(_start(clinician, handle).get_data(as_text=True))
    capability = link.rsplit("/", 1)[1].split("?")[0]
    client = app.flask.test_client(use_cookies=False)
    for path in ("", "/record", "/record/alliance-checkin-therapist", "/responses/x",
                 "/style.css", "/handoff", "/handoff/unlock"):
        answer = client.get(f"/panel/{capability}{path}")
        assert answer.status_code in (403, 404, 405), path
    assert client.get(link).status_code == 200
    assert _send(client, link).status_code in (200, 303)
    assert client.get(link).status_code == 410
    second = client.post(link, data={"csrf_token": "x"})
    assert second.status_code == 410


def test_the_chart_hides_the_code_once_the_client_has_the_questions(hostile, tmp_path):
    """Issue 11: the hand-off page in the chart hides the code once the client's window has it,
    and says what to do next."""
    app = app_under_attack(hostile(), tmp_path)
    clinician = app.flask.test_client(use_cookies=False)
    handle = app.launch(clinician)
    started = _start(clinician, handle)
    lock_url = started.request.path
    page = started.get_data(as_text=True)
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', page).group(1)
    poll = re.search(r'data-poll="([^"]+)"', page).group(1)  # static/handoff.js asks here
    assert clinician.get(poll).get_json() == {"client_has_it": False}
    app.flask.test_client(use_cookies=False).get(_full_window_link(page))
    assert clinician.get(poll).get_json() == {"client_has_it": True}  # the page reloads
    after = clinician.get(lock_url).get_data(as_text=True)
    assert code not in after and code.replace(" ", "") not in after
    assert "client has the questions" in after and "unlock code here" in after
    assert "data-poll" not in after
