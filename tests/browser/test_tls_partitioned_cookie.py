"""Issue 10: one browser scenario over TLS, so `Secure; SameSite=None; Partitioned` is exercised
for real. A CA made by the test signs the servers' certificate; the sandbox EHR's chart is on
https://localhost, the app on https://127.0.0.1 (another site), the app in production mode (no
development flag). Chromium accepts exactly that server key (--ignore-certificate-errors-spki-list)
and blocks third-party cookies: the partitioned cookie must still be kept by the app's frame,
the launch must be bound by it (no page-state fallback), and the panel must open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.browser import (
    app_patient_name,
    chart_name,
    launch_cookie_blocking_chromium,
    open_chart,
)
from tests.support.deployment import Deployment, start_deployment
from tests.support.servers import LiveServer
from tests.support.tls import LocalCA, make_test_ca

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return make_test_ca(tmp_path_factory.mktemp("tls") / "ca")


@pytest.fixture(scope="module")
def dep(browser_tools: None, tmp_path_factory: pytest.TempPathFactory,
        ca: LocalCA) -> Iterator[Deployment]:
    started: list[LiveServer] = []
    yield start_deployment(Path(tmp_path_factory.mktemp("tls-deploy")), started, tls=ca)
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def browser(playwright: Any, ca: LocalCA) -> Iterator[Any]:
    chromium = launch_cookie_blocking_chromium(
        playwright, f"--ignore-certificate-errors-spki-list={ca.spki_hash}")
    yield chromium
    chromium.close()


def test_the_partitioned_cookie_binds_the_launch_in_a_cross_site_frame_over_tls(
        dep: Deployment, ca: LocalCA, context: Any, page: Any) -> None:
    assert dep.app.url.startswith("https://127.0.0.1:") and dep.ehr.url.startswith("https://")
    trusting = requests.Session()
    trusting.trust_env, trusting.verify = False, str(ca.ca_file)
    chart = trusting.get(f"{dep.ehr.url}/", timeout=10).text
    patient = chart.split('href="/chart/', 1)[1].split('"', 1)[0]
    seen: dict[str, Any] = {}
    page.on("response", lambda r: seen.setdefault(r.url.split("?")[0], r)
            if r.url.startswith(dep.app.url) else None)

    frame = open_chart(page, dep, patient)

    assert app_patient_name(frame) == chart_name(page)
    launch = seen[f"{dep.app.url}/launch"]
    cookie = launch.header_value("set-cookie") or ""
    for attribute in ("Secure", "SameSite=None", "Partitioned", "HttpOnly"):
        assert attribute in cookie, cookie
    check = seen[f"{dep.app.url}/launch/check"]
    assert check.status == 302, "the frame did not send the partitioned cookie back"
    assert f"{dep.app.url}/callback" in seen and seen[f"{dep.app.url}/callback"].status == 303
    stored = [c for c in context.cookies() if c["name"] == "ap_browser"]
    assert stored and all(c["secure"] and c["sameSite"] == "None" for c in stored)

    # The launch is bound to that cookie: the same handle in a browser without it is refused.
    handle = frame.url.split("/panel/", 1)[1].split("/")[0].split("?")[0]
    other = trusting.get(f"{dep.app.url}/panel/{handle}", timeout=10)
    assert other.status_code == 403
