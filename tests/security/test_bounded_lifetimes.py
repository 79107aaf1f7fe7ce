"""Findings 6, 7 and 8: every launch parameter has a size limit and pending launches are
bounded; a launch's lifetime is absolute (refresh never extends it) and the hand-off lock lives
as long as the launch; the unlock-code counter cannot be raced."""

from __future__ import annotations

import importlib
import re
import sqlite3
import threading

import pytest

from plugin.launch.pending import CEILING_FACTOR, MAX_PENDING_PER_ADDRESS
from plugin.web.csrf import csrf_token
from tests.support.clock import FakeClock
from tests.support.forms import read_form

from .app_harness import app_under_attack

HOUR = 3600.0


def _stored_rows(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "app" / "sessions.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM entries WHERE kind = 'state'").fetchone()[0])


# -- finding 6 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["launch", "iss"])
def test_a_huge_launch_parameter_is_refused_and_stores_nothing(hostile, tmp_path, name):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    params = {"iss": app.ehr.iss, "launch": "L1"}
    params[name] = params[name] + "x" * 200_000
    answer = app.browser().get("/launch", query_string=params)
    assert answer.status_code in (400, 414)
    assert "too long" in answer.get_data(as_text=True) or answer.status_code == 414
    assert _stored_rows(tmp_path) == 0 and server.received == []


@pytest.mark.parametrize("name", ["state", "code", "iss", "error_description", "other"])
def test_every_callback_parameter_has_a_size_limit(hostile, tmp_path, name):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    browser = app.browser()
    params = app.start(browser)
    server.received.clear()
    query = {"code": app.ehr.code, "state": params["state"], name: "y" * 100_000}
    answer = browser.get("/callback", query_string=query)
    assert answer.status_code in (400, 414), answer.status_code
    assert server.received == []  # nothing was sent on
    assert app.finish(browser, params).status_code == 303  # and the launch is still usable


def test_pending_launches_are_bounded_per_client_address(hostile, tmp_path, monkeypatch):
    # The bound scaled to a tenth (the same code path; the full 300 through the app:
    # tests/security/test_launch_flood.py's clinic's-ceiling test).
    pending = importlib.import_module("plugin.launch.pending")
    monkeypatch.setattr(pending, "MAX_PENDING_PER_ADDRESS", MAX_PENDING_PER_ADDRESS // 10)
    bound = pending.MAX_PENDING_PER_ADDRESS
    app = app_under_attack(hostile(), tmp_path)
    attacker = app.flask.test_client(use_cookies=False)  # never counted as one browser
    params = {"iss": app.ehr.iss, "launch": "L1"}
    statuses = [attacker.get("/launch", query_string=params,
                             environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
                for _ in range(bound + 10)]
    assert statuses[0] == 302 and statuses[-1] == 429
    assert statuses.count(302) <= bound
    assert _stored_rows(tmp_path) <= bound
    other = app.browser().get("/launch", query_string=params,
                              environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 302  # another clinician is not locked out


def test_pending_launches_are_bounded_in_all(hostile, tmp_path, monkeypatch):
    pending = importlib.import_module("plugin.launch.pending")
    monkeypatch.setattr(pending, "MAX_PENDING_TOTAL", 5)
    app = app_under_attack(hostile(), tmp_path)
    params = {"iss": app.ehr.iss, "launch": "L1"}
    statuses = [app.browser().get("/launch", query_string=params,
                                  environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code
                for i in range(CEILING_FACTOR * 5 + 5)]
    # each client is within its share; the store's own bound, a multiple of the total, holds
    assert statuses == [302] * (CEILING_FACTOR * 5) + [503] * 5


# -- finding 7 ---------------------------------------------------------------------------------


def test_refreshing_never_extends_the_launch(hostile, tmp_path):
    clock = FakeClock()
    app = app_under_attack(hostile(), tmp_path, clock=clock, session_hours=8)
    handle = app.launch()
    for _ in range(7):  # the access token lives an hour: each hour the panel refreshes it
        clock.advance(HOUR)
        assert app.clinician.get(f"/panel/{handle}").status_code == 200
    assert app.ehr.refreshes >= 6
    clock.advance(HOUR - 30)
    assert app.clinician.get(f"/panel/{handle}").status_code == 200  # 7h59m30s
    clock.advance(60)
    ended = app.clinician.get(f"/panel/{handle}")  # 8h00m30s: the absolute end
    assert ended.status_code == 403
    clock.advance(13.6 * HOUR)  # 21.6 hours, where the sliding lifetime was still usable
    assert app.clinician.get(f"/panel/{handle}").status_code == 403


def test_the_hand_off_lock_lives_as_long_as_the_launch(hostile, tmp_path):
    clock = FakeClock()
    app = app_under_attack(hostile(), tmp_path, clock=clock, session_hours=8)
    clinician = app.flask.test_client(use_cookies=False)  # a frame without cookies
    handle = app.launch(clinician)
    t0 = clock()
    clock.advance(2 * HOUR)
    assert clinician.get(f"/panel/{handle}").status_code == 200
    choose = clinician.get(f"/panel/{handle}/record").get_data(as_text=True)
    started = clinician.post(f"/panel/{handle}/handoff/start", follow_redirects=True, data={
        "csrf_token": read_form(choose, "http://x/").hidden["csrf_token"],
        "questionnaire_id": "alliance-checkin-client"})
    during = (re.findall(r"/panel/([^/?#]+)", started.request.path) or [handle])[0]
    link = re.search(r'href="([^"]+)"[^>]*target="_blank"',
                     started.get_data(as_text=True)).group(1)
    client = app.browser()
    for _ in range(9):  # the client takes their time, reloading the questions; no code
        clock.advance(HOUR)
        client.get(link)
        answer = clinician.get(f"/panel/{during}")
        hours = (clock() - t0) / HOUR
        assert answer.status_code != 200 or "Alliance across sessions" not in answer.get_data(
            as_text=True), f"the panel opened without the code {hours:.0f} h after sign-in"


# -- finding 8 ---------------------------------------------------------------------------------


def _handoff_module():
    for name in ("plugin.recording.handoff", "plugin.recording_handoff"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise AssertionError("no hand-off module")


def test_parallel_wrong_codes_are_counted_one_by_one(hostile, tmp_path, monkeypatch):
    module = _handoff_module()
    checked, lock = [], threading.Lock()
    original = module._digest

    def counting(secret_key: str, handle: str, code: str) -> str:
        with lock:
            checked.append(code)
        return original(secret_key, handle, code)

    app = app_under_attack(hostile(), tmp_path)
    handle = app.launch()
    choose = app.clinician.get(f"/panel/{handle}/record").get_data(as_text=True)
    started = app.clinician.post(f"/panel/{handle}/handoff/start", follow_redirects=True, data={
        "csrf_token": read_form(choose, "http://x/").hidden["csrf_token"],
        "questionnaire_id": "alliance-checkin-client"})
    page = started.get_data(as_text=True)
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', page).group(1).replace(" ", "")
    during = (re.findall(r"/panel/([^/?#]+)", started.request.path) or [handle])[0]
    with app.flask.app_context():
        token = csrf_token(during)  # what the lock page's form carries
    wrong = "000000" if code != "000000" else "111111"
    monkeypatch.setattr(module, "_digest", counting)

    go = threading.Event()
    statuses: list[int] = []

    def guess() -> None:
        browser = app.flask.test_client()
        browser.set_cookie("ap_browser", app.clinician.get_cookie("ap_browser").value)
        go.wait(10)
        answer = browser.post(f"/panel/{during}/handoff/unlock",
                              data={"csrf_token": token, "code": wrong})
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    go.set()
    for thread in threads:
        thread.join(30)
    assert len(statuses) == 20 and 303 not in statuses
    assert len(checked) <= module.MAX_FAILURES, f"{len(checked)} codes were checked"
    right = app.clinician.post(f"/panel/{during}/handoff/unlock",
                               data={"csrf_token": token, "code": code})
    assert right.status_code == 403  # sealed: even the right code no longer opens it
