"""The client's own pages (a one-time link, issue 25) in Chromium on a 320 px and a 360 px phone:
no horizontal scrolling, every control reachable, axe clean, answered by tapping, and the
thank-you page; screenshots for docs/clients.md."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import assert_fits_the_width, axe_violations, describe, shoot
from tests.support.client_links import WITHOUT_RESPONSES, make_link
from tests.support.deployment import Deployment, start_deployment
from tests.support.launched import open_launch
from tests.support.servers import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dep(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Records in a companion store, so that the app can make links."""
    started: list[LiveServer] = []
    yield start_deployment(tmp_path_factory.mktemp("client-links"), started,
                           client_kind="asymmetric", ehr_writable=WITHOUT_RESPONSES,
                           companion=True)
    for server in started:
        server.stop()


@pytest.mark.parametrize("width", [320, 360])
def test_the_client_answers_on_a_phone(dep, browser, width):
    run = open_launch(dep, patient_index=0 if width == 320 else 1)
    link, _made = make_link(run)
    # bypass_csp only for the injected axe script (the app's CSP allows scripts from 'self')
    ctx = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 640},
                              is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        page.goto(link)
        page.locator("h1#form-h").wait_for()
        assert_fits_the_width(page)
        violations = axe_violations(page)
        assert not violations, describe(violations)
        shoot(page, f"client-link-form-{width}px", full_page=True)
        for group in page.locator("fieldset").all():
            options = group.locator("input[type=radio]")
            if options.count():
                options.nth(options.count() - 1).check()
        page.get_by_role("button", name="Send").click()
        page.get_by_role("heading", name="Thank you").wait_for()
        assert_fits_the_width(page)
        violations = axe_violations(page)
        assert not violations, describe(violations)
        assert "score" not in page.content().lower()
        shoot(page, f"client-link-thanks-{width}px")
        page.goto(link)  # the same link again, as from the phone's history
        page.get_by_role("heading", name="This link no longer works").wait_for()
        assert_fits_the_width(page)
        assert not axe_violations(page)
    finally:
        ctx.close()


def test_the_clinicians_link_page_fits_a_sidebar(dep, browser):
    run = open_launch(dep, patient_index=2)
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 800})
    try:
        ctx.add_cookies([{"name": c.name, "value": c.value, "url": dep.app.url}
                         for c in run.browser.cookies])
        page = ctx.new_page()
        page.goto(run.url("/record"))
        page.get_by_role("button", name="Make a link for the client's phone").first.click()
        page.get_by_role("heading", name="A link for the client's own phone").wait_for()
        assert page.locator("svg.qr").count() == 1
        assert page.locator("#client-link").input_value().startswith(f"{dep.app.url}/answer/")
        assert_fits_the_width(page)
        violations = axe_violations(page)
        assert not violations, describe(violations)
        shoot(page, "client-link-made-360px", full_page=True)
    finally:
        ctx.close()
