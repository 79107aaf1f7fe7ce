"""Two app instances sharing one session store (here SQLite, one file, two connections; the
PostgreSQL and Redis versions run in tests/scale): what one instance stores, the other uses."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

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
