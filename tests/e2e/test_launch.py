"""SMART launch end to end: the sandbox EHR and the app as real servers, a browser that follows
redirects, and every answer checked for what a clinician (or an attacker) would see."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from smart_launch import SmartClient
from smart_launch.errors import TokenRequestError
from tests.support.pages import has_banner, panel_patient_name


def panel_patient(page: requests.Response) -> str:
    return panel_patient_name(page.text)


def chart_patient(dep, patient_id: str) -> str:
    """The patient's name as the EHR's own chart page shows it."""
    chart = requests.get(f"{dep.ehr.url}/chart/{patient_id}", timeout=10).text
    return dep.sandbox_patient_name(patient_id, chart)


def test_ehr_launch_shows_the_charts_patient_and_sessions(deploy):
    dep = deploy()
    patient = dep.patient_ids()[0]
    page = dep.launch_ehr(dep.browser(), patient)
    assert page.status_code == 200, page.text[:500]
    assert urlsplit(page.url).path.startswith("/panel/")
    assert panel_patient(page) == chart_patient(dep, patient)
    assert not has_banner(page.text), "inside the chart, whose banner names the patient"
    assert "This session" in page.text and "in progress" in page.text
    _lists_the_patients_sessions(dep, patient, page.text)


# The panel's words for the sandbox's Appointment statuses (plugin/panel/wording.py).
SESSION_WORDS = {"arrived": "in progress", "fulfilled": "attended",
                 "cancelled": "cancelled by the client", "noshow": "did not attend"}
SESSIONS_SHOWN = 12  # the panel lists the last 12 sessions unless asked for all


def _lists_the_patients_sessions(dep, patient_id: str, text: str) -> None:
    """The session list is the sandbox's course for this patient: its length, and the last
    twelve sessions newest first, each with its status."""
    from ehr_sandbox.cohort import build_cohort

    settings = dep.sandbox_settings
    plan = next(p for p in build_cohort(settings.seed, settings.clock()).patients
                if p.patient_id == patient_id)
    count = re.search(r"Sessions <span class=\"count\">\((\d+)\)", text)
    assert count and int(count.group(1)) == len(plan.sessions)
    shown = re.findall(r'<span class="status status-[a-z-]+">([^<]+)</span>', text)
    expected = [SESSION_WORDS[s.status] for s in reversed(plan.sessions)][:SESSIONS_SHOWN]
    assert shown == expected


def test_standalone_launch_picks_a_patient_at_the_ehr(deploy):
    dep = deploy()
    browser = dep.browser()
    picker = browser.get(f"{dep.app.url}/launch", params={"iss": dep.iss}, timeout=10)
    assert picker.status_code == 200 and "<form" in picker.text
    form = dep.fill_picker(picker, patient_index=1)
    page = browser.post(form["action"], data=form["fields"], timeout=20)
    assert page.status_code == 200, page.text[:500]
    assert panel_patient(page) == chart_patient(dep, form["fields"]["patient"])
    assert has_banner(page.text), "a standalone app must name the patient itself"


def _authorize_url(dep, browser, launch_url: str) -> str:
    """Follow /launch (and /launch/check, which binds the launch to this browser's cookie) to
    the redirect that leaves the app for the EHR's authorize endpoint."""
    url = launch_url
    for _ in range(3):
        url = urljoin(url, browser.get(url, allow_redirects=False, timeout=10).headers["Location"])
        if not url.startswith(dep.app.url):
            return url
    raise AssertionError("the launch never left the app")


def test_authorization_request_uses_pkce_s256_and_a_strong_single_use_state(deploy):
    dep = deploy()
    browser = dep.browser()
    launch_url = dep.launch_url_from_chart(browser, dep.patient_ids()[0])
    query = parse_qs(urlsplit(_authorize_url(dep, browser, launch_url)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(base64.urlsafe_b64decode(query["state"][0] + "==")) >= 16
    assert query["aud"] == [dep.iss]


def _callback_url(dep, browser) -> str:
    """Follow the launch up to (not into) the app's callback; return the callback URL."""
    url = dep.launch_url_from_chart(browser, dep.patient_ids()[0])
    for _ in range(8):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        url = urljoin(url, answer.headers.get("Location", ""))
        if url.startswith(f"{dep.app.url}/callback"):
            return url
    raise AssertionError("the launch never reached the callback")


def test_tampered_state_is_refused(deploy):
    dep = deploy()
    browser = dep.browser()
    callback = _callback_url(dep, browser)
    tampered = re.sub(r"state=([^&]+)", lambda m: "state=" + m.group(1)[::-1], callback)
    answer = browser.get(tampered, timeout=10)
    assert answer.status_code == 403
    assert "expired or was already used" in answer.text
    assert not dep.http.to("/token"), "a tampered state must not reach the token endpoint"


def test_reused_state_is_refused_after_first_use(deploy):
    dep = deploy()
    browser = dep.browser()
    callback = _callback_url(dep, browser)
    assert browser.get(callback, timeout=10).status_code == 200
    again = browser.get(callback, timeout=10)
    assert again.status_code == 403
    assert len(dep.http.to("/token")) == 1


def _code_for(dep, authorize_url: str) -> str:
    """Let the EHR approve an authorization request; return the code it sends back."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    if answer.status_code == 200:  # the standalone picker: choose the first patient
        form = dep.fill_picker(answer, patient_index=0)
        answer = requests.post(form["action"], data=form["fields"], allow_redirects=False,
                               timeout=10)
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def _redeem(dep, pending, code: str, verifier: str) -> requests.Response:
    return requests.post(pending.token_endpoint, data={
        "grant_type": "authorization_code", "code": code, "client_id": dep.client_id,
        "redirect_uri": pending.redirect_uri, "code_verifier": verifier,
    }, timeout=10)


def test_the_server_refuses_a_replayed_code_and_a_wrong_verifier(deploy):
    dep = deploy()
    client: SmartClient = dep.flask_app.extensions["alliance"].smart
    needs = {"Patient": "r"}

    url, pending = client.begin_launch(dep.iss, launch=None, needs=needs)
    code = _code_for(dep, url)
    assert _redeem(dep, pending, code, pending.code_verifier).status_code == 200
    replay = _redeem(dep, pending, code, pending.code_verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    url, pending = client.begin_launch(dep.iss, launch=None, needs=needs)
    wrong = _redeem(dep, pending, _code_for(dep, url), "x" * 64)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    url, pending = client.begin_launch(dep.iss, launch=None, needs=needs)
    code = _code_for(dep, url)
    with pytest.raises(TokenRequestError) as missing:
        client.complete_launch(
            dataclasses.replace(pending, code_verifier=""), {"code": code, "state": pending.state}
        )
    assert missing.value.code in ("invalid_grant", "invalid_request")


def test_unknown_iss_is_refused_without_any_outbound_request(deploy):
    dep = deploy()
    answer = dep.browser().get(
        f"{dep.app.url}/launch",
        params={"iss": "https://evil.example/fhir", "launch": "x"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert "Alliance Panel is not set up for the EHR it was opened from" in answer.text
    assert "Details for your IT team" in answer.text  # the address and the setting, folded
    assert "https://evil.example/fhir" in answer.text and "ALLIANCE_ALLOWED_ISS" in answer.text
    assert dep.http.exchanges == []


def test_expired_access_token_is_refreshed_and_rotated(deploy):
    dep = deploy()
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    assert page.status_code == 200
    dep.clock.advance(7200)
    again = browser.get(page.url, timeout=20)
    assert again.status_code == 200
    refreshes = [e for e in dep.http.to("/token") if "grant_type=refresh_token" in e.body]
    assert len(refreshes) == 1
    dep.clock.advance(7200)
    assert browser.get(page.url, timeout=20).status_code == 200
    refreshes = [e for e in dep.http.to("/token") if "grant_type=refresh_token" in e.body]
    assert len(refreshes) == 2
    sent = [parse_qs(e.body)["refresh_token"][0] for e in refreshes]
    assert sent[0] != sent[1], "a refresh token was used twice"


def test_id_token_with_a_bad_signature_is_refused(deploy):
    dep = deploy()

    def corrupt_signature(request, response):
        if request.url.endswith("/token") and response.status_code == 200:
            answer = response.json()
            head, body, signature = answer["id_token"].split(".")
            flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
            answer["id_token"] = ".".join([head, body, flipped])
            response._content = json.dumps(answer).encode()

    dep.http.tamper = corrupt_signature
    page = dep.launch_ehr(dep.browser(), dep.patient_ids()[0])
    assert page.status_code == 400
    assert "/panel/" not in page.url


@pytest.mark.parametrize(
    "syntax, expected", [("v2", "patient/Encounter.rs"), ("v1", "patient/Encounter.read")]
)
def test_scope_syntax_follows_discovery(deploy, syntax, expected):
    dep = deploy(scope_syntax=syntax)
    browser = dep.browser()
    authorize = _authorize_url(dep, browser, dep.launch_url_from_chart(
        browser, dep.patient_ids()[0]))
    scope = parse_qs(urlsplit(authorize).query)["scope"][0].split()
    assert expected in scope
    page = browser.get(authorize, timeout=20)
    assert page.status_code == 200 and "/panel/" in page.url


@pytest.mark.parametrize(
    "kind, alg", [("symmetric", None), ("asymmetric", "RS384"), ("asymmetric", "ES384")]
)
def test_confidential_clients_launch_end_to_end(deploy, kind, alg):
    dep = deploy(client_kind=kind, alg=alg or "RS384")
    page = dep.launch_ehr(dep.browser(), dep.patient_ids()[2])
    assert page.status_code == 200, page.text[:800]
    token_call = dep.http.to("/token")[0]
    if kind == "asymmetric":
        assert "client_assertion_type=" in token_call.body
        jwks = requests.get(f"{dep.app.url}/.well-known/jwks.json", timeout=10).json()
        assert jwks["keys"] and jwks["keys"][0]["kty"] == ("RSA" if alg == "RS384" else "EC")
        assert "d" not in jwks["keys"][0], "the private part must never be published"


def test_two_launches_in_one_browser_keep_their_own_patients(deploy):
    dep = deploy()
    browser = dep.browser()
    first_id, second_id = dep.patient_ids()[:2]
    first = dep.launch_ehr(browser, first_id)
    second = dep.launch_ehr(browser, second_id)
    assert panel_patient(first) != panel_patient(second)
    assert panel_patient(browser.get(first.url, timeout=20)) == panel_patient(first)
    assert panel_patient(browser.get(second.url, timeout=20)) == panel_patient(second)


def test_no_token_reaches_the_browser_or_the_logs(deploy, caplog):
    caplog.set_level(logging.DEBUG)
    dep = deploy()
    browser = dep.browser()
    seen: list[str] = []
    for patient in dep.patient_ids()[:2]:
        page = dep.launch_ehr(browser, patient)
        seen += [r.url + r.text + str(r.headers) for r in [*page.history, page]]
    seen.append(str(browser.cookies.get_dict()))
    tokens = dep.http.secrets_received()
    assert len(tokens) >= 4
    # The sandbox EHR is the token issuer; authlib's server side logs what it issues at DEBUG.
    # Every other logger, the app's and the client libraries', must never carry a token.
    issuer_side = ("ehr_sandbox", "authlib.oauth2.rfc6749.grants", "authlib.oauth2.rfc7523",
                   "authlib.oauth2.rfc6749.authenticate_client", "authlib.integrations.flask")
    app_logs = [r.getMessage() for r in caplog.records if not r.name.startswith(issuer_side)]
    assert any("launch completed" in line for line in app_logs)
    everything = "\n".join(seen + app_logs)
    for token in tokens:
        assert token not in everything


def _grant_only(scopes: str):
    """A token endpoint that grants less than asked (the app must read the granted scope)."""

    def narrow(request, response):
        if request.url.endswith("/token") and response.status_code == 200:
            answer = response.json()
            answer["scope"] = scopes
            response._content = json.dumps(answer).encode()

    return narrow


def test_without_write_scopes_the_panel_shows_and_says_recording_is_off(deploy):
    dep = deploy()
    dep.http.tamper = _grant_only("launch openid fhirUser patient/Patient.r patient/Encounter.rs")
    page = dep.launch_ehr(dep.browser(), dep.patient_ids()[0])
    assert page.status_code == 200
    assert "Recording is off: the EHR did not let Alliance Panel save ratings" in page.text
    details = page.text.split("Details for your IT team", 1)[1]  # for them, folded away
    assert "QuestionnaireResponse.cru" in details
    assert "Record this session" not in page.text
    assert "Missed appointments are not shown" in page.text


def test_without_encounter_search_the_panel_explains_what_is_missing(deploy):
    dep = deploy()
    dep.http.tamper = _grant_only("launch openid fhirUser patient/Patient.r")
    page = dep.launch_ehr(dep.browser(), dep.patient_ids()[0])
    assert page.status_code == 200
    assert "The panel cannot be shown" in page.text and "Encounter.rs" in page.text
    assert not [e for e in dep.http.exchanges if e.method == "POST" and e.url == dep.iss]


def test_requests_arriving_together_after_expiry_refresh_once(deploy):
    from concurrent.futures import ThreadPoolExecutor

    dep = deploy()
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    dep.clock.advance(7200)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: browser.get(page.url, timeout=30), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    refreshes = [e for e in dep.http.to("/token") if "grant_type=refresh_token" in e.body]
    assert len(refreshes) == 1
