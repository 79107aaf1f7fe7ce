"""Issue 20, row 2: login CSRF on the cookie-free path.

The attack: the attacker starts a launch in a browser that keeps no cookie, reads the page value
from its own /launch/check page, signs in at the EHR, stops before /callback, and has the
victim's browser POST /callback with the code, the state and that page value from a page of
another site. The victim would get a panel on the attacker's sign-in (what they save authored by
the attacker's practitioner). Now every state-changing request must come from the app's own
pages (Origin / Sec-Fetch-Site, plugin/web/request_origin.py): the forged POST is refused before
the code is used, and the cookie-free frame still finishes its own launch."""

from __future__ import annotations

import pytest

from plugin.web.request_origin import request_allowed

from .app_harness import app_under_attack

APP = "http://127.0.0.1:9"  # the harness's public_url
FORGED = {
    "another site": {"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
    "another site, older browser": {"Origin": "https://attacker.example"},
    "a sibling sub-domain": {"Origin": "https://evil.127.0.0.1", "Sec-Fetch-Site": "same-site"},
    "a sandboxed frame (Origin null)": {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    "Origin null, older browser": {"Origin": "null"},
    "a cross-site page naming our origin": {"Origin": APP, "Sec-Fetch-Site": "cross-site"},
}


def _panel_handle(answer) -> str | None:
    location = answer.headers.get("Location", "")
    return location.rsplit("/panel/", 1)[1] if "/panel/" in location else None


@pytest.mark.parametrize("source", sorted(FORGED))
def test_the_victim_never_lands_in_the_attackers_cookie_free_launch(hostile, tmp_path, source):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    attacker = app.flask.test_client(use_cookies=False)
    app.ehr.token_extra["patient"] = "attackers-patient"
    params = app.start(attacker)  # page-bound: the attacker read the value from its own page
    value = app.page_values[(id(attacker), params["state"])]

    victim = app.browser()
    answer = victim.post("/callback", headers=FORGED[source], data={
        "code": app.ehr.code, "state": params["state"], "page_value": value})
    assert _panel_handle(answer) is None, "the victim got a panel on the attacker's sign-in"
    assert answer.status_code == 403
    assert "attackers-patient" not in answer.get_data(as_text=True)
    assert not server.requests_to("/token")  # the attacker's code was not even used


@pytest.mark.parametrize("headers", [
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # the app's page (no-referrer policy)
    {"Origin": APP, "Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": APP},
], ids=["origin null", "own origin", "no origin", "no fetch metadata"])
def test_the_cookie_free_frame_still_finishes_its_own_launch(hostile, tmp_path, headers):
    app = app_under_attack(hostile(), tmp_path)
    frame = app.flask.test_client(use_cookies=False)
    params = app.start(frame)
    page = frame.get("/callback", query_string={"code": app.ehr.code, "state": params["state"]})
    assert 'id="bind-form"' in page.get_data(as_text=True)
    answer = frame.post("/callback", headers=headers, data={
        "code": app.ehr.code, "state": params["state"],
        "page_value": app.page_values[(id(frame), params["state"])]})
    handle = _panel_handle(answer)
    assert answer.status_code == 303 and handle
    assert frame.get(f"/panel/{handle}").status_code == 200


def test_every_state_changing_post_of_a_launch_is_refused_from_another_site(hostile, tmp_path):
    """With the launch's handle and its CSRF token in hand (a leaked page), another site's page
    still cannot post for it: the check runs before any route, whatever the form carries."""
    app = app_under_attack(hostile(), tmp_path)
    handle = app.launch()
    page = app.clinician.get(f"/panel/{handle}/record/alliance-checkin-therapist")
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"')[0]
    for path in (f"/panel/{handle}/record/alliance-checkin-therapist",
                 f"/panel/{handle}/record/alliance-checkin-therapist/draft",
                 f"/panel/{handle}/handoff/start"):
        answer = app.browser().post(path, headers=FORGED["another site"],
                                    data={"csrf_token": token, "item-goal-1": "1"})
        assert answer.status_code == 403, path
        assert "not part of Alliance Panel" in answer.get_data(as_text=True), path


def test_the_rule_as_documented():
    own = frozenset({"https://app.example"})
    assert request_allowed("GET", "https://attacker.example", "cross-site", own)  # reads pass
    assert request_allowed("POST", "https://app.example", "same-origin", own)
    assert request_allowed("POST", "https://APP.example/", None, own)
    assert request_allowed("POST", None, None, own)  # not a browser
    assert not request_allowed("POST", None, "none", own)  # typed or bookmarked: no POST
    assert not request_allowed("POST", "null", None, own)
    assert not request_allowed("POST", "", "cross-site", own)
