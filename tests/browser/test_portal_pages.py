"""The client's page opened from the patient portal (issue 25) in Chromium on a 320 px and a
360 px phone: the client signs in to the sandbox EHR's portal, opens the app from it, and sees
their session's questions; no horizontal scrolling, every control reachable, axe clean, answered
by tapping, and the thank-you page; screenshots for docs/clients.md."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import assert_fits_the_width, axe_violations, describe, shoot
from tests.support.client_links import WITHOUT_RESPONSES
from tests.support.deployment import Deployment, start_deployment
from tests.support.launched import open_launch
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dep(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    started: list[LiveServer] = []
    yield start_deployment(tmp_path_factory.mktemp("portal"), started,
                           client_kind="asymmetric", ehr_writable=WITHOUT_RESPONSES,
                           companion=True)
    for server in started:
        server.stop()


def _clean(page) -> None:
    assert_fits_the_width(page)
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("width", [320, 360])
def test_the_client_answers_from_the_portal_on_a_phone(dep, browser, width):
    run = open_launch(dep, patient_index=0 if width == 320 else 1)  # today's session
    ctx = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 640},
                              is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        page.goto(f"{dep.ehr.url}/portal")
        page.select_option("#patient", run.patient)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Answer your therapist's questions").click()
        page.locator("h1#portal-h").wait_for()
        assert "/client/" in page.url
        assert "A few questions about your session on" in page.locator("h1").inner_text()
        _clean(page)
        shoot(page, f"client-portal-home-{width}px", full_page=True)
        page.get_by_role("link", name="Start the questions").first.click()
        page.locator("h1#form-h").wait_for()
        _clean(page)
        for group in page.locator("fieldset").all():
            options = group.locator("input[type=radio]")
            if options.count():
                options.nth(options.count() - 1).check()
        page.get_by_role("button", name="Send").click()
        page.get_by_role("heading", name="Thank you").wait_for()
        _clean(page)
        assert "score" not in page.content().lower()
        shoot(page, f"client-portal-thanks-{width}px")
    finally:
        ctx.close()
