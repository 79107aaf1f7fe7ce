"""The renderer tier: NLM's LHC-Forms and CSIRO's Smart Forms renderer (npm, pinned in
package-lock.json) in Debian's Chromium, each on a page of the tier's local site, and HAPI FHIR
with our conformance package loaded, to validate what they export: the interop tier's, started
once for the session (tests/support/interop_fixtures.py).

One browser and one page per renderer (each form is rendered into the same page again), for the
module. Every request a page makes is routed: anything not to the local site is aborted and
counted, as are uncaught page errors and console errors (the tests assert none). Without the
npm packages, the bundle, Chromium, Playwright, java or node the tier skips loudly, and fails
under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from plugin.deploy.install import package_resources
from tests.renderers.drivers import RENDERERS, Renderer
from tests.renderers.run_log import FHIR_JSON, FIGURES, LOOKUPS, VALIDATION_WARNINGS, RendererPage
from tests.renderers.site import Site, missing_builds
from tests.support.browser import TIMEOUT_MS, launch_chromium
from tests.support.browser import missing_tools as browser_missing
from tests.support.interop import Servers
from tests.support.processes import require_tools


@pytest.fixture(scope="session")
def renderer_tools() -> None:
    """Decides for the browser side: run, skip loudly, or (in CI) fail; HAPI's side is the
    interop tier's fixture (`servers`), which decides the same way for java and node."""
    require_tools("SDC renderer tier",
                  [m for m in browser_missing() if "axe-core" not in m] + missing_builds())


@pytest.fixture(scope="module")
def site(renderer_tools: None) -> Iterator[Site]:
    served = Site(LOOKUPS)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def hapi(renderer_tools: None, servers: Servers) -> str:
    """The session's HAPI FHIR (tests/support/interop_fixtures.py) with our package loaded
    (terminology, profiles, Questionnaires): its FHIR base."""
    resources = package_resources(with_balp_standins=True)
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources]}
    answer = requests.post(servers.hapi, json=bundle, headers=FHIR_JSON, timeout=300)
    assert answer.status_code == 200, answer.text[:3000]
    return servers.hapi


@pytest.fixture(scope="module")
def browser(renderer_tools: None, playwright: Any) -> Iterator[Any]:
    chromium = launch_chromium(playwright)
    yield chromium
    chromium.close()


def _open(browser: Any, site: Site, renderer: Renderer) -> RendererPage:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = RendererPage(renderer, context.new_page())

    def guard(route: Any) -> None:
        url = str(route.request.url)
        if url.startswith(site.url + "/") or url.startswith("data:"):
            route.continue_()
        else:
            opened.blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    opened.page.on("pageerror", lambda err: opened.page_errors.append(str(err)[:300]))
    opened.page.on("console", lambda msg: msg.type == "error"
                   and opened.console_errors.append(str(msg.text)[:300]))
    opened.page.goto(site.url + renderer.page)
    opened.page.wait_for_function("() => typeof window.renderForm === 'function'")
    return opened


@pytest.fixture(scope="module")
def renderer_pages(browser: Any, site: Site) -> dict[str, RendererPage]:
    for renderer in RENDERERS:
        FIGURES[renderer.name] = _open(browser, site, renderer)
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What each renderer's page did over the run, and HAPI's validation warnings."""
    if not FIGURES:
        return
    terminalreporter.section("SDC renderers (tests/renderers)")
    for name, opened in FIGURES.items():
        terminalreporter.write_line(
            f"{name}: {len(opened.blocked)} requests blocked, {len(opened.page_errors)} "
            f"uncaught page errors, {len(opened.console_errors)} console errors")
    terminalreporter.write_line(f"terminology requests to the local /tx: {len(LOOKUPS)}")
    for line in dict.fromkeys(VALIDATION_WARNINGS):
        terminalreporter.write_line(f"HAPI warning: {line}")
