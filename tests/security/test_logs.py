"""Finding 9: the handle appeared in error logs through Flask's `log_exception`. Every error
path of the app is driven here, with every logger captured at DEBUG, and the captured log is
searched for every handle, capability, code, state and token the run handed out."""

from __future__ import annotations

import logging
import re

from tests.support.forms import read_form
from tests.support.smart_bindings import serve_on_socket

from .app_harness import app_under_attack


def _secrets_in(app, handles: list[str], extra: list[str]) -> list[str]:
    values = [*handles, *extra, app.ehr.code, *app.ehr.issued]
    return [v for v in values if v]


def _found(value: str, text: str) -> bool:
    """`value` anywhere in `text`; a short one ("at-1", a token the fake EHR numbers) only as a
    whole token, so that "Format-1" does not count as "at-1"."""
    if len(value) > 8:
        return value in text
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text) is not None


def test_no_error_path_logs_a_handle_code_state_or_token(hostile, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    server, attacker = hostile(), hostile()
    app = app_under_attack(server, tmp_path)
    seen: list[str] = []

    # A normal launch, then its handle on every kind of failure.
    browser = app.clinician
    params = app.start(browser)
    seen += [params["state"], params.get("code_challenge", ""), params.get("nonce", "")]
    answer = app.finish(browser, params)
    handle = answer.headers["Location"].rsplit("/", 1)[1]
    id_token = app.ehr.id_token()
    seen += [handle, id_token]

    app.browser().get(f"/panel/{handle}")  # another browser: refused
    app.finish(browser, params)  # the same state again: refused
    browser.get("/callback", query_string={"state": "s" * 43, "code": app.ehr.code})
    browser.get("/callback", query_string={"error": "access_denied", "state": params["state"]})
    browser.get(f"/panel/{handle}/responses/" + "r" * 40)  # a record that is not there
    browser.post(f"/panel/{handle}/handoff/start", data={"csrf_token": "forged"})  # CSRF
    browser.get(f"/panel/{handle}/nowhere")  # 404
    browser.get("/launch", query_string={"iss": f"{attacker.url}/fhir", "launch": "L" * 40})
    browser.get("/launch", query_string={"iss": app.ehr.iss, "launch": "x" * 5000})

    # The FHIR server fails in every way while the launch is live.
    for body, status in (
        ({"resourceType": "OperationOutcome"}, 500),
        ({"not": "a bundle"}, 200),  # the app's own code meets the unexpected: a 500
        ({"resourceType": "Bundle", "entry": [{}]}, 200),
        ("not json", 200),
    ):
        server.json("POST", "/fhir", body, status)
        browser.get(f"/panel/{handle}")
    server.redirect("POST", "/fhir", f"{attacker.url}/fhir?token={handle}", 307)
    browser.get(f"/panel/{handle}")

    # The token endpoint fails on refresh and on a second launch.
    app.ehr.token_extra["expires_in"] = 1
    second = app.browser()
    p2 = app.start(second)
    seen.append(p2["state"])
    done = app.finish(second, p2)
    h2 = done.headers["Location"].rsplit("/", 1)[1]
    seen.append(h2)
    server.json("POST", "/token", {"error": "invalid_grant", "error_description": h2}, 400)
    second.get(f"/panel/{h2}")
    p3 = app.start(app.browser())
    seen.append(p3["state"])
    app.finish(app.browser(), p3)

    # The hand-off: a capability, wrong codes, a dead capability.
    app.ehr.token_extra.pop("expires_in")
    serve_on_socket(app.ehr, server)
    app.fhir.__init__(server)
    third = app.browser()
    h3 = app.launch(third)
    seen.append(h3)
    choose = third.get(f"/panel/{h3}/record").get_data(as_text=True)
    started = third.post(f"/panel/{h3}/handoff/start", follow_redirects=True, data={
        "csrf_token": read_form(choose, "http://x/").hidden["csrf_token"],
        "questionnaire_id": "alliance-checkin-client"})
    page = started.get_data(as_text=True)
    caps = re.findall(r'href="/handoff/([^"?]+)', page)
    seen += caps
    h4 = started.request.path.split("/")[2]
    seen.append(h4)
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', page).group(1).replace(" ", "")
    for cap in caps:
        app.browser().get(f"/handoff/{cap}")
        app.browser().post(f"/handoff/{cap}", data={"csrf_token": "forged"})
    third.post(f"/panel/{h4}/handoff/unlock", data={"csrf_token": "forged", "code": code})

    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "Exception on" in text  # Flask's exception log was among the lines
    leaked = [v for v in _secrets_in(app, seen, []) if _found(v, text)]
    assert leaked == [], f"the log carries {len(leaked)} secret value(s)"
    assert f"code={code}" not in text
