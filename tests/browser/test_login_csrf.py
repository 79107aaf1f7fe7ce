"""Issue 20, row 2 in Chromium: login CSRF on the cookie-free path, through a named window.

The attacker launches the app in their own browser, where the chart's frame keeps no cookie
(so the launch is bound to a value in the frame's page state), keeps that value from the check
page, and stops before /callback. A page of another site in the victim's browser then opens
the callback in a window named after the value (`window.open(url, name)`): the callback page
would read the value from window.name and finish the attacker's sign-in in the victim's
browser. The callback page reads window.name only inside a frame (which another site cannot
make of the app: CSP frame-ancestors), so the victim is told the sign-in cannot be finished
here and never gets a panel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.support.browser import launch_cookie_blocking_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = launch_cookie_blocking_chromium(playwright)
    yield chromium
    chromium.close()


def _attackers_callback(browser: Any, dep: Any) -> tuple[str, str, str]:
    """The attacker's own launch, stopped before /callback: (callback URL, state, value)."""
    context = browser.new_context()
    kept: dict[str, str] = {}

    def posted(route: Any) -> None:
        """The attacker's frame's own POST /callback: its state and page value are read from
        what it sends (what the attacker's own browser knows), and it goes no further, so
        the code stays unused."""
        sent = parse_qs(route.request.post_data or "")
        if sent.get("page_value", [""])[0]:
            kept["state"], kept["value"] = sent["state"][0], sent["page_value"][0]
        route.abort()

    def seen(response: Any) -> None:  # GET /callback comes after the EHR's redirect
        if response.url.startswith(f"{dep.app.url}/callback?"):
            kept["callback"] = response.url

    context.on("response", seen)
    context.route(f"{dep.app.url}/callback", posted)
    page = context.new_page()
    page.goto(f"{dep.ehr.url}/chart/{dep.patient_ids()[2]}")
    for _ in range(300):  # until the attacker's frame posted /callback (15 s at most)
        if "value" in kept:
            break
        page.wait_for_timeout(50)
    context.close()
    assert {"callback", "state", "value"} <= set(kept), kept
    return kept["callback"], kept["state"], kept["value"]


def test_a_window_named_by_another_site_does_not_finish_the_attackers_sign_in(browser, dep):
    callback, state, value = _attackers_callback(browser, dep)
    victim = browser.new_context()
    page = victim.new_page()
    page.goto(f"{dep.ehr.url}/")  # any page of another site than the app's
    with victim.expect_page() as opened:
        page.evaluate("([url, name]) => { window.open(url, name); }",
                      [callback, f"alliance-bind:{state}={value}"])
    popup = opened.value
    for _ in range(300):  # until the sign-in is refused or finished (15 s at most)
        if "/panel/" in popup.url or popup.locator("#bind-missing:visible").count():
            break
        popup.wait_for_timeout(50)
    assert "/panel/" not in popup.url, "the victim's window got the attacker's launch"
    assert popup.locator("#bind-missing").is_visible()
    victim.close()
