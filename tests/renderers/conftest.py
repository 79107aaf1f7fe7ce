"""The renderer tier: NLM's LHC-Forms and CSIRO's Smart Forms renderer (npm, pinned in
package-lock.json) in Debian's Chromium, each on a page of the tier's local site, and HAPI FHIR
(the interop tier's launcher) with our conformance package loaded, to validate what they export.

One browser, one page per renderer (each form is rendered into the same page again) and one
HAPI, for the module: stopped when it ends. Every request a page makes is routed: anything not
to the local site is aborted and counted, as are uncaught page errors and console errors (the
tests assert none). Without the npm packages, the bundle, Chromium, Playwright or java the tier
skips loudly, and fails under CI=true.
"""

from __future__ import annotations

import shutil
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
from tests.support.interop import HAPI_JAR, start_hapi, stop_process
from tests.support.processes import require_tools
from tests.support.servers import free_port


def _missing() -> list[str]:
    missing = [m for m in browser_missing() if "axe-core" not in m] + missing_builds()
    if not shutil.which("java"):
        missing.append("java 17 for HAPI (apt-get install openjdk-17-jre-headless)")
    if not HAPI_JAR.exists():
        missing.append(f"{HAPI_JAR} (make interop)")
    return missing


@pytest.fixture(scope="session")
def renderer_tools() -> None:
    """The one place that decides: run, skip loudly, or (in CI) fail."""
    require_tools("SDC renderer tier", _missing())


@pytest.fixture(scope="module")
def site(renderer_tools: None) -> Iterator[Site]:
    served = Site(LOOKUPS)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def hapi(renderer_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """HAPI FHIR with our package (terminology, profiles, Questionnaires): its FHIR base."""
    port = free_port()
    try:
        process = start_hapi(tmp_path_factory.mktemp("renderers-hapi"), port)
    except RuntimeError as err:
        pytest.fail(f"HAPI did not start: {err}", pytrace=False)
    base = f"http://127.0.0.1:{port}/fhir"
    try:
        resources = package_resources(with_balp_standins=True)
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in resources]}
        answer = requests.post(base, json=bundle, headers=FHIR_JSON, timeout=300)
        assert answer.status_code == 200, answer.text[:3000]
        yield base
    finally:
        stop_process(process)


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
