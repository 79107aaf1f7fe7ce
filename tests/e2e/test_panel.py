"""The panel through a real launch: the right patient, session and alerts, within the request
budget, and fast paths that do not validate every read resource."""

from __future__ import annotations

import html
import re

import requests

from tests.support.pages import panel_patient_name


def _after_token(dep):
    exchanges = dep.http.exchanges
    last_token = max(i for i, e in enumerate(exchanges) if e.url.endswith("/token"))
    return exchanges[last_token + 1:]


def test_panel_is_two_round_trips_after_the_token_then_one(deploy):
    dep = deploy()
    browser = dep.browser()
    assert dep.launch_ehr(browser, dep.patient_ids()[0]).status_code == 200
    # First launch of an issuer: its JWKS (to check the id_token), then one batch of reads.
    first = [(e.method, e.url) for e in _after_token(dep)]
    assert first == [("GET", f"{dep.ehr.url}/auth/jwks"), ("POST", dep.iss)], first
    assert '"type": "batch"' in _after_token(dep)[-1].body
    # Any later launch: the JWKS is cached, the panel is a single batch round trip.
    assert dep.launch_ehr(browser, dep.patient_ids()[1]).status_code == 200
    assert [(e.method, e.url) for e in _after_token(dep)] == [("POST", dep.iss)]


def test_the_capability_statement_is_read_once_per_server(deploy):
    dep = deploy()
    browser = dep.browser()
    for patient in dep.patient_ids()[:3]:
        assert dep.launch_ehr(browser, patient).status_code == 200
    assert len(dep.http.to("/metadata")) == 1
    assert len(dep.http.to("/.well-known/smart-configuration")) == 1


def test_fhir_text_is_escaped_on_the_panel(deploy):
    dep = deploy()
    store = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    patient_id = dep.patient_ids()[0]
    patient = dict(store.read("Patient", patient_id).resource)
    patient["name"] = [{"use": "official", "text": '<script>alert("x")</script>Eve'}]
    store.update(patient, patient=patient_id)
    page = dep.launch_ehr(dep.browser(), patient_id)
    assert "<script>alert" not in page.text
    assert html.escape('<script>alert("x")</script>Eve', quote=False) in page.text \
        or "&lt;script&gt;" in page.text


def test_panel_has_the_parts_a_clinician_needs(deploy):
    dep = deploy()
    page = dep.launch_ehr(dep.browser(), dep.patient_ids()[0]).text
    for heading in ("Where the alliance stands", "This session", "Open alerts",
                    "Alliance across sessions", "Sessions", "Words used here"):
        assert re.search(rf">\s*{heading}", page), heading
    assert 'name="viewport"' in page


def test_a_long_course_renders_without_validating_reads_with_pydantic(deploy, monkeypatch):
    """What the app reads is never validated with pydantic; what it writes is (the panel view's
    AuditEvents, a handful of small resources), and those are left out of the count."""
    import threading

    from fhir_core.fhirabstractmodel import FHIRAbstractModel

    import plugin.audit.balp as balp

    writing = threading.local()
    validate_write = balp.AuditEvent.model_validate

    class OwnWrites:
        @staticmethod
        def model_validate(event):
            writing.on = True
            try:
                return validate_write(event)
            finally:
                writing.on = False

    monkeypatch.setattr(balp, "AuditEvent", OwnWrites)

    dep = deploy()
    directory = dep.flask_sandbox.extensions["ehr_sandbox"]["directory"]
    longest = max((p for p, _ in directory.patients()), key=lambda p: len(directory.encounters(p)))
    built: list[str] = []
    original = FHIRAbstractModel.__init__

    def counting_init(self, *args, **kwargs):
        if not getattr(writing, "on", False):
            built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(FHIRAbstractModel, "__init__", counting_init)
    page = dep.launch_ehr(dep.browser(), longest)
    assert page.status_code == 200
    sessions = int(re.search(r"Sessions <span class=\"count\">\((\d+)\)", page.text).group(1))
    responses = int(re.search(r"Recorded responses \((\d+)\)", page.text).group(1))
    assert sessions >= 150 and responses >= 250
    assert built == [], f"the panel validated {len(built)} resources with pydantic"


# What each synthetic course must show a clinician, and what it must not.
SHAPE_ALERTS = {
    "steady": (set(), {"rupture", "low-alliance", "discrepancy"}),
    "rupture-repair": ({"rupture", "repair"}, set()),
    "decline-dropout": ({"attendance"}, set()),
    "low-early": ({"low-alliance"}, set()),
    # The client rating higher is the usual pattern: no rater alert, and nothing else is wrong.
    "disagreement": (set(), {"rupture", "low-alliance", "discrepancy"}),
    "long-course": ({"rupture", "repair"}, set()),
}


def test_each_cohort_shape_shows_its_alerts_on_the_panel(deploy):
    from ehr_sandbox.cohort import build_cohort

    dep = deploy()
    settings = dep.sandbox_settings
    cohort = build_cohort(settings.seed, settings.clock())
    browser = dep.browser()
    seen_shapes = set()
    for plan in cohort.patients:
        page = dep.launch_ehr(browser, plan.patient_id)
        assert page.status_code == 200
        chart = browser.get(f"{dep.ehr.url}/chart/{plan.patient_id}", timeout=10).text
        shown = panel_patient_name(page.text)
        assert shown == dep.sandbox_patient_name(plan.patient_id, chart)
        kinds = set(re.findall(r'class="alert alert-([a-z-]+) ', page.text))
        expected, forbidden = SHAPE_ALERTS[plan.shape]
        assert expected <= kinds, (plan.shape, kinds)
        assert not (forbidden & kinds), (plan.shape, kinds)
        assert "This session" in page.text and "not yet recorded" in page.text
        if plan.shape == "disagreement":
            _shows_both_raters_apart_as_usual(page.text)
        seen_shapes.add(plan.shape)
    assert seen_shapes == set(SHAPE_ALERTS)


def _shows_both_raters_apart_as_usual(text: str) -> None:
    """The status line names both raters' latest and usual ratings, each where the cohort's
    disagreement shape puts it: the client's ratings drawn within 20-24 of 24, the therapist's
    within 13-17 (ehr_sandbox/cohort_alliance.py), so each usual lies in that range too."""
    line = re.search(r'<p class="status-line">(.*?)</p>', text, re.S)
    assert line, "no status line"
    said = {rater: (int(latest), int(usual)) for latest, rater, usual in re.findall(
        r"Check-in (\d+) of 24, (client|therapist) \(usual (\d+)\)", line.group(1))}
    assert set(said) == {"client", "therapist"}, line.group(1)
    assert all(20 <= n <= 24 for n in said["client"]), said
    assert all(13 <= n <= 17 for n in said["therapist"]), said


def test_the_ehrs_style_reaches_the_panel_as_css_variables(deploy):
    dep = deploy()
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    handle = page.url.rsplit("/", 1)[1]
    assert f'href="/panel/{handle}/style.css"' in page.text
    css = browser.get(f"{dep.app.url}/panel/{handle}/style.css", timeout=10)
    assert css.headers["Content-Type"].startswith("text/css")
    style = requests.get(f"{dep.ehr.url}/auth/smart-style.json", timeout=10).json()
    assert f"--accent: {style['color_highlight']};" in css.text
    assert f"--ink: {style['color_text']};" in css.text


def test_a_clinician_sees_why_an_alert_fired_and_what_the_check_in_is(deploy):
    from ehr_sandbox.cohort import build_cohort

    dep = deploy()
    cohort = build_cohort(dep.sandbox_settings.seed, dep.sandbox_settings.clock())
    browser = dep.browser()
    plan = next(p for p in cohort.patients if p.shape == "rupture-repair")
    launched = dep.launch_ehr(browser, plan.patient_id)
    page = launched.text
    alerts = page.split('id="alerts-h"', 1)[1].split("</section>", 1)[0]
    rupture = alerts.split('class="alert alert-rupture ', 1)[1].split("</details>", 1)[0]
    # the card says what happened in a line; what each rule observed, the rule and its sources
    # wait behind "Why?"
    summary, why = rupture.split('<details class="why small">', 1)
    assert "fell from a usual" in summary and "not back yet" in summary
    assert "<summary>Why?" in why and "noticeable drop: project default" in why
    assert "Rule:" not in why  # the rule is said in words, not by its id
    repair = alerts.split('class="alert alert-repair ', 1)[1].split("</details>", 1)[0]
    assert "Good news: back near usual" in repair and "repaired" not in repair.lower()
    assert "Eubanks, Muran &amp; Safran 2018" in repair
    # the check-in's scores never appear without saying what it is
    caveat = "Alliance check-in: a feedback tool to start a conversation, not a validated measure."
    trend = page.split('id="trend-h"', 1)[1].split("</section>", 1)[0]
    assert caveat in trend
    assert page.count(caveat) == 1  # once per page, not under every response
    # the first view lists the recent sessions' responses, every session's one click away
    recent = page.split("Recorded responses", 1)[1]
    assert 'href="?sessions=all#sessions-h"' in recent
    every = browser.get(f"{launched.url}?sessions=all", timeout=30).text
    assert every.count(caveat) == 1


def test_the_sandboxs_client_cancellations_are_absences_and_say_who_cancelled(deploy):
    from ehr_sandbox.cohort import build_cohort

    dep = deploy()
    cohort = build_cohort(dep.sandbox_settings.seed, dep.sandbox_settings.clock())
    browser = dep.browser()
    plan = next(p for p in cohort.patients
                if any(s.status == "cancelled" for s in p.sessions))
    launched = dep.launch_ehr(browser, plan.patient_id)
    page = launched.text
    cancelled = [s for s in plan.sessions if s.status == "cancelled"]
    every = browser.get(f"{launched.url}?sessions=all", timeout=30).text
    assert every.count("cancelled by the client") == len(cancelled)  # the whole sessions table
    said = page.count('<p class="reason">The client cancelled the session of')
    assert said == len(cancelled)  # one card each


def test_the_first_view_draws_the_recent_sessions_and_every_link_reaches_its_row(deploy):
    dep = deploy()
    directory = dep.flask_sandbox.extensions["ehr_sandbox"]["directory"]
    longest = max((p for p, _ in directory.patients()), key=lambda p: len(directory.encounters(p)))
    browser = dep.browser()
    launched = dep.launch_ehr(browser, longest)
    page = launched.text
    total = int(re.search(r"Sessions <span class=\"count\">\((\d+)\)", page).group(1))
    drawn = set(re.findall(r'<tr id="session-([^"]+)"', page))
    assert total >= 150 and 12 <= len(drawn) <= 20  # the charts' window, planned ones too
    assert 'href="?sessions=all#sessions-h">Show all sessions</a>' in page
    every_page = browser.get(f"{launched.url}?sessions=all", timeout=30).text
    every = set(re.findall(r'<tr id="session-([^"]+)"', every_page))
    assert len(every) == total and drawn < every
    links = re.findall(r'href="(\?sessions=all)?#session-([^"]+)"', page)
    assert links and any(asks_all for asks_all, _ in links)  # older alerts' sessions
    for asks_all, session in links:
        assert session in (every if asks_all else drawn)
        assert bool(asks_all) == (session not in drawn)
    # the same page again, now from the view this instance kept
    assert browser.get(launched.url, timeout=30).text == page
