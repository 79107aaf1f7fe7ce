"""Scenarios 4, 5 and 6 of issue 6 (and the axe checks of scenario 8 on the forms and the
hand-off screens): recording inside the chart's frame, in a real Chromium."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from plugin import wording
from tests.support.browser import (
    APP_FRAME,
    axe_violations,
    describe,
    open_chart,
    panel_frame,
    shoot,
)

pytestmark = pytest.mark.browser

ACTIVE = "() => document.hasFocus() ? document.activeElement.outerHTML.slice(0, 160) : ''"
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  const styles = [el, el.nextElementSibling].filter(Boolean).map(e => getComputedStyle(e));
  return el.matches(':focus-visible')
    && styles.some(s => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                        || s.boxShadow !== 'none');
}"""


def app_frame(page: Any, dep: Any) -> Any:
    frame = page.frame(url=lambda url: url.startswith((f"{dep.app.url}/panel/",
                                                       f"{dep.app.url}/handoff/")))
    assert frame is not None
    return frame


def tab_to(page: Any, dep: Any, pattern: str, limit: int = 80) -> Any:
    """Press Tab (only Tab) until the focused element in the app's frame matches `pattern`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        frame = app_frame(page, dep)
        if re.search(pattern, frame.evaluate(ACTIVE)):
            return frame
    raise AssertionError(f"Tab never reached {pattern!r}")


def today(dep: Any) -> str:
    return datetime.datetime.fromtimestamp(dep.clock.now, datetime.UTC).date().isoformat()


def rate_by_keyboard(page: Any, dep: Any, choices: list[int]) -> list[str]:
    """Tab into each radio group, choose the n-th option with Space and arrow keys; return the
    chosen values. Checks the focus is visible on every control it lands on."""
    chosen = []
    frame = tab_to(page, dep, r'type="radio"')
    groups = frame.locator("fieldset.item")
    for index in range(groups.count()):
        if index:
            frame = tab_to(page, dep, r'type="radio"', limit=3)
        assert frame.evaluate(FOCUS_VISIBLE), f"no visible focus on {frame.evaluate(ACTIVE)}"
        page.keyboard.press("Space")
        for _ in range(choices[index % len(choices)]):
            page.keyboard.press("ArrowRight")
        assert frame.evaluate(FOCUS_VISIBLE)
        chosen.append(frame.evaluate("() => document.activeElement.value"))
    return chosen


@pytest.fixture
def axe_context(browser: Any) -> Any:
    # bypass_csp only for axe: the app's CSP (script-src 'self') refuses the injected script.
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def assert_accessible(frame: Any, where: str) -> None:
    violations = axe_violations(frame)
    assert not violations, f"{where}:\n{describe(violations)}"


def test_therapist_rating_by_keyboard_alone_is_stored_and_on_the_trend(dep, page):
    frame = open_chart(page, dep, dep.patient_ids()[5])
    tab_to(page, dep, r"Record this session")
    page.keyboard.press("Enter")
    expect(page.frame_locator(APP_FRAME).locator("h1#choose-h")).to_be_visible()
    shoot(page, "form-choose")
    tab_to(page, dep, r"Rate this session")
    page.keyboard.press("Enter")
    form = page.frame_locator(APP_FRAME).locator("form[method=post]")
    expect(form.locator("input[type=radio]").first).to_be_attached()
    # Every control has a label.
    frame = app_frame(page, dep)
    assert frame.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), textarea, select')]
        .every(el => el.labels && el.labels.length > 0)""")
    chosen = rate_by_keyboard(page, dep, [2, 3, 1])
    shoot(page, "form-therapist-filled")
    tab_to(page, dep, r'type="submit"', limit=10)
    assert app_frame(page, dep).evaluate(FOCUS_VISIBLE)
    page.keyboard.press("Enter")

    frame = panel_frame(page, dep)
    expect(page.frame_locator(APP_FRAME).locator("p.saved")).to_be_visible()
    state = page.frame_locator(APP_FRAME).locator("p.current .state")
    expect(state).to_contain_text("therapist")
    table = page.frame_locator(APP_FRAME).locator("details.data table")
    shown = wording.day(datetime.date.fromisoformat(today(dep)))  # the panel's one date format
    expect(table.locator("tr", has_text=shown).filter(has_text="therapist")).to_have_count(1)
    assert len(chosen) >= 3
    shoot(page, "panel-after-therapist-rating")


def test_client_handoff_shows_only_the_questions_and_needs_the_clinician_to_leave(
        dep, axe_context):
    page = axe_context.new_page()
    patient = dep.patient_ids()[6]
    frame = open_chart(page, dep, patient)
    name = frame.title().split(" · ")[0]
    panel = page.frame_locator(APP_FRAME)
    first_handle = frame.url.split("/panel/")[1].split("/")[0].split("?")[0]
    panel.locator("a", has_text="Record this session").click()
    panel.locator("button", has_text="Hand over to the client").first.click()
    code = panel.locator(".unlock-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{6}", code), code
    shoot(page, "handoff-start")
    assert_accessible(app_frame(page, dep), "hand-off start")
    panel.locator("a", has_text="Show them here").click()
    expect(panel.locator("h1#form-h")).to_have_text("A few questions about today's session")

    frame = app_frame(page, dep)
    text = frame.locator("body").inner_text()
    mrn = page.locator('section[aria-label="Patient banner"] dd').nth(2).inner_text()
    for private in (name, *name.split(), mrn, "Alert", "Alliance across sessions", "score"):
        assert private.lower() not in text.lower(), f"the client's screen shows {private!r}"
    links = frame.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert not links, f"the client's screen links away: {links}"
    shoot(page, "handoff-questions")
    assert_accessible(frame, "hand-off questions")

    client_url = frame.url
    assert "/handoff/" in client_url and "/panel/" not in client_url  # only the capability
    frame.goto(f"{dep.app.url}/panel/{first_handle}")  # the launch's handle before the hand-off
    expect(panel.locator("h1")).not_to_have_text("A few questions about today's session")
    assert "Alliance across sessions" not in app_frame(page, dep).locator("body").inner_text()
    app_frame(page, dep).goto(client_url)
    expect(panel.locator("h1#form-h")).to_be_visible()

    for group in range(panel.locator("fieldset.item").count()):
        panel.locator("fieldset.item").nth(group).locator("label").nth(1).click()
    panel.locator("button", has_text="Send").click()
    expect(panel.locator("h1#handoff-h")).to_have_text("Thank you")
    shoot(page, "handoff-locked")
    assert_accessible(app_frame(page, dep), "hand-off lock")
    handle = app_frame(page, dep).url.split("/panel/")[1].split("/")[0]
    assert handle != first_handle
    app_frame(page, dep).goto(f"{dep.app.url}/panel/{handle}")
    expect(panel.locator("h1#handoff-h")).to_be_visible()  # still locked

    panel.locator("#unlock-code").fill("000000" if code != "000000" else "111111")
    panel.locator("button", has_text="Unlock").click()
    expect(panel.locator("#code-error")).to_be_visible()
    panel.locator("#unlock-code").fill(code)
    panel.locator("button", has_text="Unlock").click()
    expect(panel.locator("h1.app-title")).to_be_visible()
    expect(panel.locator("p.saved")).to_be_visible()
    expect(panel.locator("p.current .state")).to_contain_text("client")


def test_form_error_and_server_error_keep_every_typed_answer(dep, axe_context):
    page = axe_context.new_page()
    patient = dep.patient_ids()[7]
    open_chart(page, dep, patient)
    panel = page.frame_locator(APP_FRAME)
    panel.locator("a", has_text="Record this session").click()
    expect(panel.locator("h1#choose-h")).to_be_visible()
    assert_accessible(app_frame(page, dep), "forms on offer")
    panel.locator("a", has_text="Rate this session").click()
    expect(panel.locator("fieldset.item").first).to_be_visible()
    shoot(page, "form-therapist")
    assert_accessible(app_frame(page, dep), "therapist form")
    groups = panel.locator("fieldset.item")
    count = groups.count()
    # Answer all but the last question, and type a note if the form has one.
    for group in range(count - 1):
        groups.nth(group).locator("label").nth(group % 3 + 1).click()
    notes = panel.locator("textarea")
    if notes.count():
        notes.first.fill("Talked about the missed week; <b>not</b> markup.")

    def answers() -> dict[str, str]:
        return dict(app_frame(page, dep).evaluate("""() => Object.fromEntries(
            [...new FormData(document.querySelector('form[method=post]')).entries()]
            .filter(([k]) => k.startsWith('item-')))"""))

    typed = answers()
    panel.locator("button[type=submit]").click()
    expect(panel.locator(".error-summary")).to_be_visible()
    app_frame(page, dep).wait_for_load_state()
    assert answers() == typed
    expect(groups.last).to_have_class(re.compile("has-error"))
    shoot(page, "form-error")
    assert_accessible(app_frame(page, dep), "form with an error")

    groups.last.locator("label").first.click()
    typed = answers()

    def fail_writes(request, response):  # the FHIR server answers the save with a 503
        if (request.method == "POST" and request.url.startswith(dep.iss)
                and b'"transaction"' in (request.body or b"")):
            response.status_code = 503
            response._content = (b'{"resourceType":"OperationOutcome","issue":[{"severity":'
                                  b'"error","code":"transient","diagnostics":"down"}]}')

    dep.http.tamper = fail_writes
    try:
        panel.locator("button[type=submit]").click()
        # Kept in the outbox, and the clinician is told it is not stored yet.
        expect(panel.locator("p.queued")).to_contain_text("Not stored yet")
        expect(panel.locator("section.unsent")).to_contain_text("waiting to be stored")
    finally:
        dep.http.tamper = None
    shoot(page, "panel-save-queued")
    outbox = dep.flask_app.extensions["alliance"].saving.outbox
    dep.clock.advance(outbox.policy.max_retry)
    assert outbox.run_due() == 1  # the server is back: sent from the outbox
    page.reload()
    expect(panel.locator("p.current .state")).to_contain_text("therapist")
    expect(panel.locator("section.unsent")).to_have_count(0)
    # The failed attempts reached the server (only their answers were lost): sent again, the
    # same submission is stored once, with every typed answer.
    store = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    todays = [qr for qr in store.scan("QuestionnaireResponse", patient)
              if str(qr.get("authored", "")).startswith(today(dep))]
    assert len(todays) == 1, [qr.get("id") for qr in todays]
    stored = {f"item-{i['linkId']}": next(iter(i["answer"][0].values())) for i in todays[0]["item"]}
    assert {k: str(v.get("code", v)) if isinstance(v, dict) else str(v)
            for k, v in stored.items()} == typed

