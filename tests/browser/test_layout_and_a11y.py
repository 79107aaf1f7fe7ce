"""Scenarios 7 and 8 of issue 6: the panel at a sidebar's 360 px and at 1280 px (no horizontal
scrolling, every control reachable), and axe-core on the panel; screenshots of both widths."""

from __future__ import annotations

import pytest

from tests.support.browser import axe_violations, describe, open_chart, shoot

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const controls = [...document.querySelectorAll(
      'a[href], button, summary, input:not([type=hidden]), select, textarea,'
      + ' [tabindex]:not([tabindex="-1"])')];
  const visible = controls.filter(el => el.checkVisibility());
  const outside = visible.filter(el => {
    const box = el.getBoundingClientRect();
    return box.width === 0 || box.left < -1 || box.right > width + 1;
  }).map(el => el.outerHTML.slice(0, 120));
  return {scrollWidth: root.scrollWidth, clientWidth: width,
          bodyScrollWidth: document.body.scrollWidth, controls: visible.length, outside};
}"""


UNREACHED = """() => [...document.querySelectorAll(
    'a[href], button, summary, input:not([type=hidden]), select, textarea,'
    + ' [tabindex]:not([tabindex="-1"])')]
  .filter(el => el.checkVisibility() && el.dataset.reached !== 'yes')
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="module")
def panel_url(dep, browser) -> str:
    """One EHR launch for the module; the panel's own URL (with its handle) is then opened at
    each width as the top document, as an EHR sidebar of that width would show it."""
    ctx = browser.new_context()
    try:
        return str(open_chart(ctx.new_page(), dep, dep.patient_ids()[0]).url)
    finally:
        ctx.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_panel_fits_the_width_without_horizontal_scrolling(panel_url, browser, width):
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = ctx.new_page()
        page.goto(panel_url)
        page.locator("h1.app-title").wait_for()
        # Open every folded part, so that what it holds is measured too.
        for summary in page.locator("details > summary").all():
            summary.press("Enter")
        layout = page.evaluate(OVERFLOW)
        assert layout["scrollWidth"] <= layout["clientWidth"], layout
        assert layout["bodyScrollWidth"] <= layout["clientWidth"], layout
        assert layout["controls"] > 0 and not layout["outside"], layout
        # Every control can be reached with the keyboard: Tab visits each visible one.
        for _ in range(layout["controls"] + 3):
            page.keyboard.press("Tab")
            page.evaluate("() => { document.activeElement.dataset.reached = 'yes'; }")
        unreached = page.evaluate(UNREACHED)
        assert not unreached, f"{len(unreached)} controls not reached by Tab: {unreached[:5]}"
        page.keyboard.press("Home")
        page.evaluate("() => window.scrollTo(0, 0)")
        shoot(page, f"panel-{'narrow' if width < 600 else 'wide'}-{width}px", full_page=True)
        alert = page.locator("li.alert").first
        if width == 1280 and alert.count():
            shoot(alert, "panel-alert")
    finally:
        ctx.close()


def test_panel_has_no_serious_accessibility_violation(panel_url, browser):
    # bypass_csp only here: the app's CSP (script-src 'self') would refuse the injected axe.
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    try:
        for width in (1280, 360):
            page = ctx.new_page()
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(panel_url)
            for summary in page.locator("details > summary").all():
                summary.press("Enter")
            violations = axe_violations(page)
            assert not violations, f"at {width} px:\n{describe(violations)}"
    finally:
        ctx.close()
