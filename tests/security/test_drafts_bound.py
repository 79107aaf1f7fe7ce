"""Issue 20, row 9: drafts written from outside the clinician's launch.

The attacks: (1) another browser holding a live launch's handle and its CSRF token (a leaked
page) posts answers as the launch's draft: the launch refuses that browser, but the draft route
fell back to "keep for the ended launch" and wrote them; (2) on the clinician's own device,
after a client hand-off rotated the handle out, the old page's draft endpoint still wrote. Either
way the clinician, opening the form again, was told "your answers from earlier were restored
from your draft: check them and save". Now drafts are bound to their launch and browser."""

from __future__ import annotations

from tests.support.forms import read_form

from .app_harness import app_under_attack

FORM = "alliance-checkin-therapist"
PLANTED = {"item-goal-1": "1", "item-goal-2": "1", "item-task-1": "1", "item-bond-1": "1"}
RESTORED = "restored from your draft"


def _open_form(browser, handle: str) -> tuple[str, str]:
    """The clinician opens the therapist form: (page text, its CSRF token)."""
    page = browser.get(f"/panel/{handle}/record/{FORM}").get_data(as_text=True)
    return page, read_form(page, "http://localhost/").hidden["csrf_token"]


def test_another_browser_with_the_handle_and_token_writes_no_draft(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    handle = app.launch()  # the clinician's browser keeps the cookie: the launch is bound
    _, token = _open_form(app.clinician, handle)
    intruder = app.browser()
    for path in (f"/panel/{handle}/record/{FORM}/draft", f"/panel/{handle}/record/{FORM}"):
        answer = intruder.post(path, data={"csrf_token": token, **PLANTED})
        assert answer.status_code == 403, path
        assert "kept" not in answer.get_data(as_text=True).lower(), path
    page, _ = _open_form(app.clinician, handle)
    assert RESTORED not in page, "another browser's answers were offered as the draft"


def test_a_handle_rotated_out_by_a_hand_off_writes_no_draft(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    device = app.clinician  # the clinician's device, handed to the client
    handle = app.launch(device)
    _, token = _open_form(device, handle)
    choose = device.get(f"/panel/{handle}/record").get_data(as_text=True)
    started = device.post(f"/panel/{handle}/handoff/start", data={
        "csrf_token": read_form(choose, "http://localhost/").hidden["csrf_token"],
        "questionnaire_id": "alliance-checkin-client"})
    assert started.status_code == 303  # the handle is rotated: `handle` is dead from now on
    for path in (f"/panel/{handle}/record/{FORM}/draft", f"/panel/{handle}/record/{FORM}"):
        answer = device.post(path, data={"csrf_token": token, **PLANTED})
        assert answer.status_code in (204, 403), path
    status_url = started.headers["Location"]
    shown = device.get(status_url).get_data(as_text=True)
    code = shown.split('class="unlock-code"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    link = shown.split('target="_blank"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert app.browser().get(link.replace("&amp;", "&")).status_code == 200  # client opens
    lock = read_form(device.get(status_url).get_data(as_text=True), "http://localhost/")
    unlocked = device.post(lock.action, data={"csrf_token": lock.hidden["csrf_token"],
                                              "code": code.replace(" ", "")})
    assert unlocked.status_code == 303
    new = unlocked.headers["Location"].split("/panel/", 1)[1].split("?", 1)[0]
    page, _ = _open_form(device, new)
    assert RESTORED not in page, "answers posted through a rotated-out handle became the draft"


def test_the_clinicians_own_late_save_is_still_kept(hostile, tmp_path):
    """The honest path: the launch ran out before Save, in the clinician's own browser."""
    clock = [1_000_000.0]
    app = app_under_attack(hostile(), tmp_path, clock=lambda: clock[0])
    handle = app.launch()
    _, token = _open_form(app.clinician, handle)
    clock[0] += 9 * 3600  # past the launch's lifetime
    answer = app.clinician.post(f"/panel/{handle}/record/{FORM}",
                                data={"csrf_token": token, **PLANTED})
    assert answer.status_code == 403 and "Nothing is lost" in answer.get_data(as_text=True)
