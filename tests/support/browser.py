"""Chromium helpers for tests/browser: the tools, screenshots, axe-core, the chart's frame.

The fixtures that use them live in tests/browser/conftest.py; tests import these from here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from tests.support.deployment import Deployment

BROWSER_TESTS = Path(__file__).resolve().parent.parent / "browser"
ARTIFACTS = BROWSER_TESTS.parent / "artifacts"
AXE = BROWSER_TESTS / "node_modules" / "axe-core" / "axe.min.js"
# Pages are checked in Debian's Chromium headless shell: the same Blink and V8 as the browser,
# without the browser's own interface (Playwright's default for headless runs), and about 40% less
# CPU over tests/browser (249 s against 401 s, docs/testing.md). The browser's cookie controls
# are not in the shell: it keeps a third-party cookie with --test-third-party-cookie-phaseout,
# so the tests of that policy run in the full browser (launch_cookie_blocking_chromium).
HEADLESS_SHELL = os.environ.get("ALLIANCE_CHROMIUM_SHELL", "/usr/bin/chromium-headless-shell")
CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install -e '.[dev]')")
    for path, package in ((HEADLESS_SHELL, "chromium-headless-shell"), (CHROMIUM, "chromium")):
        if not (Path(path).exists() or shutil.which(path)):
            missing.append(f"Chromium at {path} (apt-get install {package}; .ci/run does it)")
    if not AXE.exists():
        missing.append(f"axe-core at {AXE} (npm ci --prefix tests/browser)")
    return missing



def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """Chromium's headless shell, for the pages."""
    return playwright.chromium.launch(
        executable_path=HEADLESS_SHELL, args=[*CHROMIUM_ARGS, *extra_args]
    )


def launch_cookie_blocking_chromium(playwright: Any, *extra_args: str) -> Any:
    """The full Chromium with third-party cookies blocked (the 'phase-out' switch Chrome ships)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout", *extra_args],
    )


def shoot(target: Any, name: str, **options: Any) -> Path:
    """Save a screenshot of a page or element to tests/artifacts/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    target.screenshot(path=str(path), **options)
    return path


def axe_violations(page: Any, *, context: str = "document") -> list[dict]:
    """Serious and critical axe-core violations on the page (WCAG 2.x A/AA and best practice).
    The page must come from a browser context with bypass_csp=True: the app's CSP allows
    scripts from 'self' only, which would (rightly) refuse the injected axe script."""
    if page.evaluate("() => typeof axe === 'undefined'"):  # once per loaded page
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (ctx) => await axe.run(ctx === 'document' ? document : ctx,"
        " {resultTypes: ['violations']})",
        context,
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations],
        indent=1,
    )


# -- layout ------------------------------------------------------------------------------------
PAGE_LAYOUT = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const controls = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea')];
  const outside = controls.filter(el => el.checkVisibility()).filter(el => {
    const box = el.getBoundingClientRect();
    return box.width === 0 || box.left < -1 || box.right > width + 1;
  }).map(el => el.outerHTML.slice(0, 120));
  return {scrollWidth: root.scrollWidth, clientWidth: width,
          bodyScrollWidth: document.body.scrollWidth, outside};
}"""


def assert_fits_the_width(page: Any) -> None:
    """No horizontal scrolling, and every visible control inside the width."""
    layout = page.evaluate(PAGE_LAYOUT)
    assert layout["scrollWidth"] <= layout["clientWidth"], layout
    assert layout["bodyScrollWidth"] <= layout["clientWidth"], layout
    assert not layout["outside"], layout


# -- the chart and the app's frame ---------------------------------------------------------------
BANNER_NAME = 'section[aria-label="Patient banner"] h1'
APP_FRAME = 'section[aria-label="Alliance Panel"] iframe'


def panel_frame(page: Any, dep: Deployment) -> Any:
    """Wait for the app's frame in the chart to show the panel; return that Frame."""
    from playwright.sync_api import expect

    expect(page.frame_locator(APP_FRAME).locator("h1.app-title")).to_be_visible()
    frame = page.frame(url=lambda url: url.startswith(f"{dep.app.url}/panel/"))
    assert frame is not None, f"no panel frame among {[f.url for f in page.frames]}"
    return frame


def open_chart(page: Any, dep: Deployment, patient_id: str) -> Any:
    """Open the patient's chart in the EHR (a fresh EHR launch of the app in its frame)."""
    page.goto(f"{dep.ehr.url}/chart/{patient_id}")
    return panel_frame(page, dep)


def chart_name(page: Any) -> str:
    return str(page.locator(BANNER_NAME).inner_text()).strip()


def app_patient_name(frame: Any) -> str:
    """The patient the panel shows: the title is '<name> · Alliance Panel'; the banner (shown
    when the EHR asks for one) must agree."""
    title_name = str(frame.title()).split(" · ")[0].strip()
    banner = frame.locator("header.banner .name")
    if banner.count():
        assert banner.inner_text().strip() == title_name
    return title_name


def handle_of(frame: Any) -> str:
    return str(frame.url).split("/panel/", 1)[1].split("/")[0].split("?")[0]
