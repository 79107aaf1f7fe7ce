"""Scenario 2 of issue 6: the same launch with third-party cookies blocked. The app's frame keeps
no cookie at all, and the launch (and a recording) goes through on the handle in the URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    APP_FRAME,
    app_patient_name,
    chart_name,
    launch_cookie_blocking_chromium,
    open_chart,
)

pytestmark = pytest.mark.browser

PROBE = ("() => { document.cookie = 'probe=1; SameSite=None; Secure; Path=/';"
         " return document.cookie; }")


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    """Chromium with third-party cookies blocked (the 'phase-out' switch Chrome ships)."""
    chromium = launch_cookie_blocking_chromium(playwright)
    yield chromium
    chromium.close()


def test_launch_completes_with_third_party_cookies_blocked(dep, context, page):
    patient = dep.patient_ids()[3]
    frame = open_chart(page, dep, patient)
    assert app_patient_name(frame) == chart_name(page)

    # Cookies really are blocked in the frame: a third-party cookie the frame sets itself does
    # not stick, and the app's browser cookie was never stored for its origin.
    assert "probe=1" not in frame.evaluate(PROBE)
    app_host = dep.app.url.split("//", 1)[1].split(":")[0]
    stored = {(c["domain"], c["name"]) for c in context.cookies()}
    assert not [c for c in stored if c[0].lstrip(".") == app_host], stored
    # ... while the EHR's own first-party cookie is kept: the browser still has cookies.
    assert ("localhost", "sandbox_practitioner") in stored

    # Following a link inside the frame keeps the launch: the handle travels in the URL.
    details = frame.locator("details.data summary")
    if details.count():
        details.first.press("Enter")
        expect(frame.locator("details.data table")).to_be_visible()
    frame.goto(frame.url)
    assert app_patient_name(frame) == chart_name(page)

    # A recording is saved through the same cookie-free path (handle in the URL, CSRF in form).
    panel = page.frame_locator(APP_FRAME)
    panel.locator("a", has_text="Record this session").click()
    panel.locator("a", has_text="Rate this session").click()
    groups = panel.locator("fieldset.item")
    expect(groups.first).to_be_visible()
    for group in range(groups.count()):
        groups.nth(group).locator("label").nth(2).click()
    panel.locator("button[type=submit]").click()
    expect(panel.locator("p.saved")).to_be_visible()
    expect(panel.locator("p.current .state")).to_contain_text("therapist")
    assert not [c for c in context.cookies() if c["domain"].lstrip(".") == app_host]
