"""Two app instances sharing one session store (here SQLite, one file, two connections; the
PostgreSQL and Redis versions run in tests/scale): what one instance stores, the other uses."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

from plugin.launch.pending import MAX_PENDING_PER_ADDRESS
from plugin.web import create_app
from tests.support.servers import LiveServer


def test_an_expired_token_is_refreshed_once_across_instances(deploy, tmp_path):
    dep = deploy()
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    assert page.status_code == 200
    settings = dep.flask_app.extensions["alliance"].settings
    twin = LiveServer(hostname="127.0.0.1").start(
        create_app(settings, http=dep.http, clock=dep.clock))
    try:
        path = urlsplit(page.url).path
        dep.clock.advance(7200)
        urls = [f"{server.url}{path}" for server in (dep.app, twin)] * 4
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda url: browser.get(url, timeout=60), urls))
    finally:
        twin.stop()
    assert [a.status_code for a in answers] == [200] * 8
    refreshes = [e for e in dep.http.to("/token") if "grant_type=refresh_token" in e.body]
    assert len(refreshes) == 1


def _launch_statuses(url: str, iss: str, addresses: list[str]) -> list[int]:
    return [requests.get(f"{url}/launch", params={"iss": iss, "launch": "x"},
                         headers={"X-Forwarded-For": address}, allow_redirects=False,
                         timeout=30).status_code for address in addresses]


def test_behind_a_trusted_balancer_launches_are_counted_per_clinician_address(deploy):
    """Behind nginx every request comes from nginx's address: without ALLIANCE_TRUSTED_PROXIES
    the per-address launch limit (300 per 10 minutes, a clinic's) would refuse a hospital."""
    dep = deploy()
    settings = dep.flask_app.extensions["alliance"].settings
    behind = LiveServer(hostname="127.0.0.1").start(create_app(
        dataclasses.replace(settings, trusted_proxies=1), http=dep.http, clock=dep.clock))
    try:
        many = _launch_statuses(behind.url, dep.iss, [f"10.0.0.{n}" for n in range(1, 41)])
        assert 429 not in many, "forty clinicians, one launch each"
        one = _launch_statuses(behind.url, dep.iss, ["10.9.9.9"] * (MAX_PENDING_PER_ADDRESS + 1))
        assert one[:-1] == [many[0]] * MAX_PENDING_PER_ADDRESS and one[-1] == 429
    finally:
        behind.stop()
    # Not trusted (the default): the header is the client's to forge, so it is ignored.
    spoofed = _launch_statuses(dep.app.url, dep.iss, [f"10.1.{n // 250}.{n % 250 + 1}"
                                                      for n in range(MAX_PENDING_PER_ADDRESS + 1)])
    assert spoofed[-1] == 429


def test_an_instance_that_never_drew_the_panel_draws_the_same_page(deploy):
    """Each instance keeps the views it drew (plugin/panel/view_cache.py), nothing shared: a
    view drawn from that memory and one drawn afresh elsewhere must be the same page."""
    dep = deploy()
    directory = dep.flask_sandbox.extensions["ehr_sandbox"]["directory"]
    longest = max((p for p, _ in directory.patients()), key=lambda p: len(directory.encounters(p)))
    browser = dep.browser()
    page = dep.launch_ehr(browser, longest)
    kept = dep.flask_app.extensions["alliance"].panel_cache
    settings = dep.flask_app.extensions["alliance"].settings
    twin = LiveServer(hostname="127.0.0.1").start(
        create_app(settings, http=dep.http, clock=dep.clock))
    try:
        path = urlsplit(page.url).path
        hits = kept.hits
        again = browser.get(f"{dep.app.url}{path}", timeout=60)
        elsewhere = browser.get(f"{twin.url}{path}", timeout=60)
    finally:
        twin.stop()
    assert kept.hits == hits + 1  # the first instance drew it from what it kept
    assert again.status_code == elsewhere.status_code == 200
    assert again.text == elsewhere.text == page.text
