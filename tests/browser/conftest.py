"""Chromium (Debian's, driven by Playwright) against the sandbox EHR and the app as live servers.

One browser and one deployment per module; a fresh browser context (own cookies and storage) per
test. When Chromium or axe-core is missing the tests skip loudly, and fail under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import TIMEOUT_MS, launch_chromium, missing_tools
from tests.support.deployment import Deployment, start_deployment
from tests.support.processes import require_tools
from tests.support.servers import LiveServer


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """The one place that decides: run, skip loudly, or (in CI) fail."""
    require_tools("Chromium browser tier", missing_tools())


@pytest.fixture(scope="module")
def browser(browser_tools: None, playwright: Any) -> Iterator[Any]:
    chromium = launch_chromium(playwright)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def dep(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The sandbox EHR on http://localhost:PORT and the app on http://127.0.0.1:PORT: two sites,
    so the app's frame in the chart is a cross-site (third-party) frame."""
    started: list[LiveServer] = []
    yield start_deployment(tmp_path_factory.mktemp("browser"), started)
    for server in started:
        server.stop()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
