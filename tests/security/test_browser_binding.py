"""Finding 2: the callback was not bound to the browser that started the launch. A callback URL
started in browser A and opened in browser B (no cookie, or another cookie) gave B a working
handle: login CSRF (the victim records under the attacker's fhirUser), or a leaked, unused
callback URL completed by someone else. Now the launch is bound to A by its cookie or, where
A's frame keeps no cookie, by a value in A's own page state; B gets nothing usable."""

from __future__ import annotations

import pytest

from .app_harness import app_under_attack


def _panel_handle(answer) -> str | None:
    location = answer.headers.get("Location", "")
    return location.rsplit("/panel/", 1)[1] if "/panel/" in location else None


@pytest.mark.parametrize("a_keeps_cookies", [True, False])
@pytest.mark.parametrize("b_kind", ["no cookie", "its own cookie", "cookie-free frame"])
def test_a_callback_opened_in_another_browser_yields_no_handle(hostile, tmp_path,
                                                               a_keeps_cookies, b_kind):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    a = app.flask.test_client(use_cookies=a_keeps_cookies)
    params = app.start(a)  # A started it; the callback URL leaks (or is planted) before use

    b = app.flask.test_client(use_cookies=b_kind != "cookie-free frame")
    if b_kind == "its own cookie":
        app.start(b)  # B has the app's cookie, from a launch of its own
        app.ehr.nonce = params.get("nonce")  # (the EHR answers A's code with A's nonce)
    tokens_before = len(server.requests_to("/token"))
    stolen = app.finish(b, params)
    assert _panel_handle(stolen) is None, "browser B got a launch handle"
    forged = b.post("/callback", data={"code": app.ehr.code, "state": params["state"],
                                       "page_value": "guessed"})
    assert _panel_handle(forged) is None
    assert len(server.requests_to("/token")) == tokens_before  # the code was not even used

    mine = app.finish(a, params)  # A still finishes its own sign-in
    handle = _panel_handle(mine)
    assert handle and a.get(f"/panel/{handle}").status_code == 200


def test_login_csrf_the_victim_never_lands_in_the_attackers_launch(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    attacker = app.flask.test_client(use_cookies=False)
    app.ehr.token_extra["patient"] = "attackers-patient"
    params = app.start(attacker)  # the attacker signs in at the EHR, stops before /callback
    victim = app.browser()  # ... and gets the victim's browser to open the callback
    answer = app.finish(victim, params)
    assert _panel_handle(answer) is None
    assert answer.status_code in (200, 403)
    assert "attackers-patient" not in answer.get_data(as_text=True)


def test_a_cookie_free_frame_finishes_its_own_launch_through_its_page_state(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    frame = app.flask.test_client(use_cookies=False)
    check = frame.get("/launch", query_string={"iss": app.ehr.iss, "launch": "L1"})
    page = frame.get(check.headers["Location"])
    assert page.status_code == 200 and 'src="/static/bind.js"' in page.get_data(as_text=True)
    handle = app.launch(frame)
    assert frame.get(f"/panel/{handle}").status_code == 200
