"""Issue 13 in Chromium: every page a clinician or a client can meet, at 320, 360 and 1280 px:
the panel of every cohort shape (and its "all sessions" view, the glossary and every other fold
opened), the record chooser, each form (therapist, client check-in, SRS and WAI-SR from paper,
the client's own in a hand-off), a record, its correction and removal, the hand-off's lock,
thank-you and closed pages, a refused save, a save not yet stored, an ended launch's draft page,
the panel with recording off and the page shown when too little was granted, and the error
pages. On each: no horizontal scrolling, no word broken inside a table cell
(measured in the page), no rule id or server vocabulary (FHIR, server, HTTP, token, an address)
in what the page shows, no FHIR reference or id anywhere in it (folds included), and axe with no
serious or critical finding; on the panel, the status line, the open alerts and the record
button within the first screen at 320 x 640. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    APP_FRAME,
    app_patient_name,
    axe_violations,
    chart_name,
    describe,
    handle_of,
    open_chart,
    shoot,
)

pytestmark = pytest.mark.browser

WIDTHS = (320, 360, 1280)

# Words of a table cell split across two lines: each word (split at spaces and hyphens) must
# lie on one line, i.e. its text range has a single client rect per line box.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.checkVisibility()) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      for (const match of text.matchAll(/[^\\s\\-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                               .map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

LAYOUT = """() => ({scrollWidth: document.documentElement.scrollWidth,
                   clientWidth: document.documentElement.clientWidth,
                   bodyScrollWidth: document.body.scrollWidth})"""

FIRST_SCREEN = """() => {
  const bottom = el => el ? Math.round(el.getBoundingClientRect().bottom) : null;
  return {status: bottom(document.querySelector('.status-line')),
          record: bottom(document.querySelector('.current-card .button')),
          alerts: [...document.querySelectorAll('ol.open-alerts > li')].map(bottom)};
}"""

# What a clinician or client must never read, as the page first shows (every fold closed).
FORBIDDEN = [
    re.compile(r"\brule:|instrument-threshold|reliable-change|least-squares|back-to-|long-gap"
               r"|own-variability|cancelled-by|client-cancelled|discrepancy-margin"),
    re.compile(r"entered-in-error|transcription mode|structure only|in context|Method|"
               r"Reference:|launch_expired|`", re.IGNORECASE),
    # Server vocabulary: the EHR and the patient's record are the clinician's words.
    re.compile(r"\bFHIR\b|\bservers?\b|\bHTTP\b|\btokens?\b|\bhttps?://|\biss\b",
               re.IGNORECASE),
]
# Never anywhere in the page, not even in "Details for your IT team": FHIR references and ids.
IDS = [
    re.compile(r"\b(Patient|Practitioner|PractitionerRole|Encounter|Appointment|"
               r"QuestionnaireResponse|Observation|Provenance|Organization)/[A-Za-z0-9\-.]+"),
    re.compile(r"\b[0-9a-f]{16}\b"),  # the sandbox's resource ids
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),  # uuids
]


def forbidden_in(text: str) -> list[str]:
    return [m.group(0) for pattern in FORBIDDEN + IDS for m in pattern.finditer(text)]


def ids_in(text: str) -> list[str]:
    return [m.group(0) for pattern in IDS for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def shape_patients(dep) -> dict[str, str]:
    """The first patient of each shape of the cohort."""
    from ehr_sandbox.cohort import build_cohort

    settings = dep.sandbox_settings
    first: dict[str, str] = {}
    for plan in build_cohort(settings.seed, settings.clock()).patients:
        first.setdefault(plan.shape, plan.patient_id)
    return first


@pytest.fixture(scope="module")
def shapes(dep, browser, shape_patients) -> dict[str, str]:
    """One panel URL (an EHR launch each) per shape of the cohort."""
    ctx = browser.new_context()
    try:
        return {shape: str(open_chart(ctx.new_page(), dep, pid).url)
                for shape, pid in shape_patients.items()}
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def spare_patients(dep, shape_patients) -> list[str]:
    """Patients no other test here shows: the pages that change records use these."""
    used = {*shape_patients.values(), dep.patient_ids()[3]}
    return [pid for pid in dep.patient_ids() if pid not in used]


@pytest.fixture(scope="module")
def spare_patient(spare_patients) -> str:
    return spare_patients[0]


def open_page(browser: Any, url: str, width: int, *, axe: bool = False) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": width, "height": 640}, bypass_csp=axe)
    page = ctx.new_page()
    page.goto(url)
    page.locator("main").wait_for()
    return ctx, page


def check_page(page: Any, where: str) -> None:
    """No horizontal scrolling, no broken word in a cell, nothing a clinician should not read
    (with every fold closed, as it first shows, and then open for the layout)."""
    shown = page.evaluate("() => document.body.innerText")
    assert not forbidden_in(shown), f"{where}: {forbidden_in(shown)[:8]}"
    everything = page.evaluate("() => document.body.textContent")
    assert not ids_in(everything), f"{where} (folds included): {ids_in(everything)[:8]}"
    open_folds(page)
    check_layout(page, where)


def open_folds(page: Any) -> None:
    for summary in page.locator("details:not([open]) > summary").all():
        if summary.is_visible():
            summary.click()


def check_layout(page: Any, where: str) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["clientWidth"], (where, layout)
    assert layout["bodyScrollWidth"] <= layout["clientWidth"], (where, layout)
    broken = page.evaluate(BROKEN_WORDS)
    assert not broken, f"{where}: words broken inside table cells: {broken[:10]}"


def check_at_every_width(page: Any, name: str, *, screenshots: bool = True) -> None:
    """One page as loaded (in a context with bypass_csp, for axe): what it says, with folds
    closed; then, folds open, at 320, 360 and 1280 px: layout, broken words, axe, and (unless
    told not to) a full-page screenshot tests/artifacts/page-<name>-<width>.png."""
    page.locator("main").wait_for()
    page.set_viewport_size({"width": WIDTHS[0], "height": 640})
    check_page(page, f"{name} at {WIDTHS[0]} px")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 640})
        check_layout(page, f"{name} at {width} px")
        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px:\n{describe(violations)}"
        if screenshots:
            shoot(page, f"page-{name}-{width}", full_page=True)


def test_every_shape_fits_reads_plainly_and_passes_axe(shapes, browser):
    """Each shape's panel at 320 (the first screen holds the status line, the open alerts and
    the record button), then at 360 and 1280 px: plain words, layout, axe."""
    for shape, url in shapes.items():
        ctx, page = open_page(browser, url, 320, axe=True)
        try:
            screen = page.evaluate(FIRST_SCREEN)
            assert screen["status"] is not None and screen["status"] <= 640, (shape, screen)
            assert screen["record"] is not None and screen["record"] <= 640, (shape, screen)
            assert all(b <= 640 for b in screen["alerts"]), (shape, screen)
            shoot(page, f"panel-320-{shape}")
            check_at_every_width(page, shape, screenshots=False)
        finally:
            ctx.close()


def test_a_linked_session_is_highlighted_in_the_table(shapes, browser):
    ctx, page = open_page(browser, shapes["decline-dropout"], 360)
    try:
        page.locator("a", has_text="See the session").first.click()
        target = page.locator("tr:target")
        assert target.count() == 1
        colour = target.locator("td").first.evaluate("el => getComputedStyle(el).backgroundColor")
        plain = page.locator("table.sessions tbody tr:not(:target):not(.in-context) td").first
        assert colour != plain.evaluate("el => getComputedStyle(el).backgroundColor")
    finally:
        ctx.close()


def test_the_recording_and_error_pages_at_every_width(dep, shapes, browser):
    """Every page a clinician opens from the panel that changes nothing, and the error pages."""
    panel = shapes["rupture-repair"]
    handle = panel.split("/panel/", 1)[1].split("?")[0]
    base = panel.split("/panel/", 1)[0]
    ctx = browser.new_context(viewport={"width": 1280, "height": 640}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(panel)
        page.locator("details.responses-list > summary").click()
        record = f"{base}{page.locator('ul.responses a').first.get_attribute('href')}"
        pages = {
            "panel-all-sessions": f"{panel.split('?')[0]}?sessions=all",
            "chooser": f"{base}/panel/{handle}/record",
            "therapist-form": f"{base}/panel/{handle}/record/alliance-checkin-therapist",
            "client-checkin-paper": f"{base}/panel/{handle}/record/alliance-checkin-client",
            "srs-paper": f"{base}/panel/{handle}/record/srs",
            "wai-sr-paper": f"{base}/panel/{handle}/record/wai-sr-client",
            "record": record,
            "correction": f"{record}/correct",
            "remove-recorded-by-mistake": f"{record}/entered-in-error",
            "error-launch-ended": f"{base}/panel/no-such-launch",
            "error-record-not-found": f"{base}/panel/{handle}/responses/no-such-rating",
            "error-unknown-ehr": f"{base}/launch?iss=https://other-ehr.example/fhir&launch=x",
        }
        for name, url in pages.items():
            page.goto(url)
            if name == "chooser":
                heading = page.locator("h1").inner_text()
                assert re.search(r"Record the alliance: .+, session of \d{1,2} \w{3} \d{4}",
                                 heading), heading
                first = page.locator(".form-list li").first.inner_text()
                assert "you rate the session" in first  # the commonest action first
            if name == "error-launch-ended":
                assert page.locator("h1").inner_text() == "Open Alliance Panel again"
            check_at_every_width(page, name)
    finally:
        ctx.close()


def fill_in(page: Any) -> None:
    """Answer every item of the form on the page (the first option; 5 on a line)."""
    for item in page.locator("fieldset.item").all():
        item.locator("label").first.click()
    for box in page.locator("input.number").all():
        box.fill("5")


def test_the_hand_off_pages_at_every_width(dep, browser, spare_patient):
    """The clinician's lock page, the client's questions, the client's thank-you and closed
    pages, as the client and clinician meet them."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 640}, bypass_csp=True)
    client_ctx = browser.new_context(viewport={"width": 1280, "height": 640}, bypass_csp=True)
    try:
        handle = handle_of(open_chart(ctx.new_page(), dep, spare_patient))
        clinician = ctx.new_page()
        clinician.goto(f"{dep.app.url}/panel/{handle}/record")
        clinician.locator("form[action$='/handoff/start'] button").first.click()
        code = re.sub(r"\D", "", clinician.locator(".unlock-code").inner_text())
        check_at_every_width(clinician, "handoff-before")
        client_url = clinician.locator("a", has_text="full window").get_attribute("href")
        client = client_ctx.new_page()
        client.goto(f"{dep.app.url}{client_url}")
        assert client.title() == "Questions about today's session"
        check_at_every_width(client, "handoff-client-form")
        clinician.reload()
        check_at_every_width(clinician, "handoff-with-the-client")
        fill_in(client)
        client.locator("button[type=submit]").click()
        expect(client.locator("h1")).to_have_text("Thank you")
        assert client.title() == "Thank you · Questions about today's session"
        check_at_every_width(client, "handoff-client-thanks")
        client.goto(f"{dep.app.url}{client_url}")
        expect(client.locator("h1")).to_have_text("These questions are closed")
        check_at_every_width(client, "handoff-client-closed")
        clinician.reload()
        check_at_every_width(clinician, "handoff-answered")
        clinician.locator("#unlock-code").fill(code)
        clinician.locator("form.unlock button").click()
        expect(clinician.locator("p.saved")).to_be_visible()
        check_at_every_width(clinician, "panel-saved")
    finally:
        client_ctx.close()
        ctx.close()


def test_a_failed_save_a_waiting_one_and_an_ended_launch_at_every_width(dep, browser,
                                                                        spare_patient):
    """What a clinician reads when the EHR refuses a save, when it does not take it now (the
    panel's "not yet stored" list), and when the launch ended while they typed."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 640}, bypass_csp=True)
    fhir = dep.flask_sandbox.extensions["ehr_sandbox"]["fhir"]
    writable = fhir.writable_types
    try:
        handle = handle_of(open_chart(ctx.new_page(), dep, spare_patient))
        page = ctx.new_page()
        page.goto(f"{dep.app.url}/panel/{handle}/record/alliance-checkin-therapist")
        fill_in(page)
        # The EHR refuses the record for good: nothing stored, the answers stay on the page.
        fhir.writable_types = frozenset(writable - {"QuestionnaireResponse"})
        page.locator("button[type=submit]").click()
        expect(page.locator(".save-failed")).to_contain_text("The EHR refused to store this")
        check_at_every_width(page, "save-refused")
        fhir.writable_types = writable
        # The EHR does not answer: kept, listed on the panel, sent later.
        dep.http.unreachable = lambda request: (
            request.method == "POST" and request.url == dep.iss
            and b'"transaction"' in (request.body or b""))
        page.locator("button[type=submit]").click()
        expect(page.locator("p.queued")).to_contain_text("Not stored yet: the EHR did not answer")
        check_at_every_width(page, "panel-not-yet-stored")
        dep.http.unreachable = None
        page.goto(f"{dep.app.url}/panel/{handle}/record/srs")
        fill_in(page)
        dep.flask_app.extensions["alliance"].launches.store.delete("launch", handle)
        page.locator("button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text("Alliance Panel's sign-in with the EHR has")
        check_at_every_width(page, "expired-draft")
    finally:
        fhir.writable_types = writable
        dep.http.unreachable = None
        ctx.close()


def test_a_launch_with_fewer_permissions_at_every_width(dep, browser, spare_patients):
    """The panel when the EHR granted no write permission (recording is off), and the page
    when it granted too little to show a panel at all."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 640}, bypass_csp=True)

    def grant_only(scopes: str) -> Any:
        def narrow(request: Any, response: Any) -> None:
            if request.url.endswith("/token") and response.status_code == 200:
                answer = response.json()
                answer["scope"] = scopes
                response._content = json.dumps(answer).encode()
        return narrow

    try:
        for name, scopes, heading in (
                ("panel-recording-off", "patient/Patient.r patient/Encounter.rs", "Alliance Panel"),
                ("panel-cannot-be-shown", "patient/Patient.r", "The panel cannot be shown")):
            dep.http.tamper = grant_only(f"launch openid fhirUser {scopes}")
            chart = ctx.new_page()
            chart.goto(f"{dep.ehr.url}/chart/{spare_patients[1]}")
            expect(chart.frame_locator(APP_FRAME).locator("h1")).to_contain_text(heading)
            dep.http.tamper = None
            frame = chart.frame(url=lambda url: url.startswith(f"{dep.app.url}/panel/"))
            assert frame is not None
            page = ctx.new_page()
            page.goto(frame.url)
            check_at_every_width(page, name)
    finally:
        dep.http.tamper = None
        ctx.close()


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_readme_screenshots(dep, shapes, browser):
    """The panel in the chart, the sidebar at 340 px, the record chooser and a form: each
    picture shows what the README says it does (the chart's patient in the panel; at 340 px
    the page fits, its heading in view) at the size it was taken."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        frame = open_chart(page, dep, dep.patient_ids()[3])
        frame.locator(".status-line").wait_for()
        picture = shoot(page, "readme-panel-in-chart")
        assert app_patient_name(frame) == chart_name(page)
        expect(frame.locator(".status-line")).to_be_visible()
        assert png_size(picture) == (1280, 900)
    finally:
        ctx.close()
    url = shapes["decline-dropout"]
    handle = url.split("/panel/", 1)[1].split("?")[0]
    base = url.split("/panel/", 1)[0]
    for name, target, full in (
            ("readme-sidebar-340", url, False),
            ("readme-record-chooser", f"{base}/panel/{handle}/record", True),
            ("readme-form", f"{base}/panel/{handle}/record/alliance-checkin-therapist", True)):
        ctx, page = open_page(browser, target, 340)
        try:
            picture = shoot(page, name, full_page=full)
            check_layout(page, name)
            expect(page.locator("main h1").first).to_be_in_viewport()
            width, height = png_size(picture)
            assert width == 340 and (height >= 640 if full else height == 640), (name, width,
                                                                               height)
        finally:
            ctx.close()
