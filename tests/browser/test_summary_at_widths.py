"""Issue 13 in Chromium: the panel of every cohort shape, and the recording pages, at 320, 360 and
1280 px: no horizontal scrolling, no word broken inside a table cell (measured in the page), the
status line, the open alerts and the record button within the first screen at 320 x 640, no rule
id, FHIR id or reference in what the page shows, and axe with no serious or critical finding.
Screenshots for the README go to tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.browser import axe_violations, describe, open_chart, shoot

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

# What a clinician must never read: FHIR references and ids, rule ids, server words.
FORBIDDEN = [
    re.compile(r"\b(Patient|Practitioner|PractitionerRole|Encounter|Appointment|"
               r"QuestionnaireResponse|Observation|Provenance|Organization)/[A-Za-z0-9\-.]+"),
    re.compile(r"\b[0-9a-f]{16}\b"),  # the sandbox's resource ids
    re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),  # uuids
    re.compile(r"\brule:|instrument-threshold|reliable-change|least-squares|back-to-|long-gap"
               r"|own-variability|cancelled-by|client-cancelled|discrepancy-margin"),
    re.compile(r"entered-in-error|transcription mode|structure only|in context|Method|"
               r"Reference:|launch_expired|`", re.IGNORECASE),
]


def forbidden_in(text: str) -> list[str]:
    return [m.group(0) for pattern in FORBIDDEN for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def shapes(dep, browser) -> dict[str, str]:
    """One panel URL (an EHR launch each) per shape of the cohort."""
    from ehr_sandbox.cohort import build_cohort

    settings = dep.sandbox_settings
    first: dict[str, str] = {}
    for plan in build_cohort(settings.seed, settings.clock()).patients:
        first.setdefault(plan.shape, plan.patient_id)
    ctx = browser.new_context()
    try:
        return {shape: str(open_chart(ctx.new_page(), dep, pid).url)
                for shape, pid in first.items()}
    finally:
        ctx.close()


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
    for summary in page.locator("details > summary").all():
        summary.click()
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["clientWidth"], (where, layout)
    assert layout["bodyScrollWidth"] <= layout["clientWidth"], (where, layout)
    broken = page.evaluate(BROKEN_WORDS)
    assert not broken, f"{where}: words broken inside table cells: {broken[:10]}"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_shape_fits_reads_plainly_and_breaks_no_word(shapes, browser, width):
    for shape, url in shapes.items():
        ctx, page = open_page(browser, url, width)
        try:
            if width == 320:
                screen = page.evaluate(FIRST_SCREEN)
                assert screen["status"] is not None and screen["status"] <= 640, (shape, screen)
                assert screen["record"] is not None and screen["record"] <= 640, (shape, screen)
                assert all(b <= 640 for b in screen["alerts"]), (shape, screen)
                shoot(page, f"panel-320-{shape}")
            check_page(page, f"{shape} at {width} px")
        finally:
            ctx.close()


def test_every_shape_passes_axe_at_320_and_1280(shapes, browser):
    for width in (320, 1280):
        for shape, url in shapes.items():
            ctx, page = open_page(browser, url, width, axe=True)
            try:
                for summary in page.locator("details > summary").all():
                    summary.click()
                violations = axe_violations(page)
                assert not violations, f"{shape} at {width} px:\n{describe(violations)}"
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


def test_the_recording_pages_at_every_width(shapes, browser):
    panel = shapes["rupture-repair"]
    handle = panel.split("/panel/", 1)[1].split("?")[0]
    base = panel.split("/panel/", 1)[0]
    ctx, page = open_page(browser, panel, 1280)
    try:
        page.locator("details.responses-list > summary").click()
        record = str(page.locator("ul.responses a").first.get_attribute("href"))
    finally:
        ctx.close()
    pages = {"chooser": f"{base}/panel/{handle}/record",
             "therapist-form": f"{base}/panel/{handle}/record/alliance-checkin-therapist",
             "paper-form": f"{base}/panel/{handle}/record/srs",
             "record": f"{base}{record}"}
    for width in WIDTHS:
        for name, url in pages.items():
            ctx, page = open_page(browser, url, width, axe=width != 360)
            try:
                if name == "chooser":
                    heading = page.locator("h1").inner_text()
                    assert re.search(r"Record the alliance: .+, session of \d{1,2} \w{3} \d{4}",
                                     heading), heading
                    first = page.locator(".form-list li").first.inner_text()
                    assert "you rate the session" in first  # the commonest action first
                if width == 340 or (width == 360 and name in ("chooser", "record")):
                    shoot(page, f"{name}-{width}px", full_page=True)
                if name == "record" and width == 1280:
                    shoot(page, "record-page", full_page=True)
                check_page(page, f"{name} at {width} px")
                if width != 360:
                    violations = axe_violations(page)
                    assert not violations, f"{name} at {width} px:\n{describe(violations)}"
            finally:
                ctx.close()


def test_readme_screenshots(dep, shapes, browser):
    """The panel in the chart, the sidebar at 340 px, the record chooser, a form, a record."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        frame = open_chart(page, dep, dep.patient_ids()[3])
        frame.locator(".status-line").wait_for()
        shoot(page, "readme-panel-in-chart")
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
            shoot(page, name, full_page=full)
        finally:
            ctx.close()
