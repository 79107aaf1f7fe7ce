"""The app's own time per panel view, FHIR time taken out, and where it goes (cProfile).

An in-process app (same settings as the instances, SQLite store) on a loopback server. Two
measures per panel view: the CPU time of the thread that served it (time.thread_time: no
waiting for HAPI, and no waiting for a core on a shared machine: the figure to compare with
the 15 ms budget), and the request's wall time inside the WSGI app minus the time its thread
spent in outbound HTTP calls (the same thing plus any wait for a core). The profile uses the
thread's CPU time as its clock, so waiting on sockets drops out of it.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from plugin.web import create_app
from plugin.web.server import settle_heap
from tests.support.interop import CLIENT_IDS


class TimedSession(requests.Session):
    """A real session that adds up, per thread, the time spent waiting for answers."""

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        try:
            return super().send(request, **kwargs)
        finally:
            self.local.outbound = getattr(self.local, "outbound", 0.0) + (
                time.perf_counter() - started)


@dataclass
class Timed:
    wall: list[float]
    fhir: list[float]
    cpu: list[float]
    profile: cProfile.Profile | None = None


def _wrap(app: Callable[..., Any], http: TimedSession, timed: Timed) -> Callable[..., Any]:
    def wsgi(environ: dict, start_response: Callable[..., Any]) -> Any:
        measure = environ.get("PATH_INFO", "").startswith("/panel/") and not environ.get(
            "PATH_INFO", "").endswith(".css")
        http.local.outbound = 0.0
        started, cpu_started = time.perf_counter(), time.thread_time()
        if measure and timed.profile is not None:
            timed.profile.enable()
        try:
            body = b"".join(app(environ, start_response))
        finally:
            if measure and timed.profile is not None:
                timed.profile.disable()
        if measure:
            timed.wall.append(time.perf_counter() - started)
            timed.cpu.append(time.thread_time() - cpu_started)
            timed.fhir.append(http.local.outbound)
        return [body]

    return wsgi


def measure_app_time(cluster: Any, views: int = 40, profiled: int = 20,
                     first_views: int = 12) -> dict[str, Any]:
    http = TimedSession()
    app = create_app({"public_url": cluster.probe.url, "client_id": CLIENT_IDS["public"],
                      "allowed_iss": cluster.fhir_base, "secret_key": secrets.token_urlsafe(32),
                      "data_dir": str(cluster.folder / "probe-var"), "development": "true"},
                     http=http)
    timed = Timed([], [], [])
    cluster.probe.start(_wrap(app, http, timed))
    try:
        launch = requests.post(f"{cluster.oidc}/ehr/launch", json=cluster.long_course,
                               timeout=30).json()["launch"]
        browser = requests.Session()
        page = browser.get(f"{cluster.probe.url}/launch",
                           params={"iss": cluster.fhir_base, "launch": launch}, timeout=120)
        page.raise_for_status()
        panel = f"{cluster.probe.url}{urlsplit(page.url).path}"
        for _ in range(5):  # warm caches and JIT on both sides
            browser.get(panel, timeout=60).raise_for_status()
        settle_heap()  # as `alliance serve` does once the app is built
        timed.wall.clear()
        timed.fhir.clear()
        timed.cpu.clear()
        for _ in range(views):
            browser.get(panel, timeout=60).raise_for_status()
        wall, fhir, cpu = list(timed.wall), list(timed.fhir), sorted(timed.cpu)
        timed.cpu.clear()
        for _ in range(first_views):  # as if on an instance that has not drawn it yet
            app.extensions["alliance"].panel_cache.clear()
            browser.get(panel, timeout=60).raise_for_status()
        first = sorted(timed.cpu)
        timed.profile = cProfile.Profile(time.thread_time)
        for _ in range(profiled):
            browser.get(panel, timeout=60).raise_for_status()
    finally:
        cluster.probe.stop()
    app_ms = sorted((w - f) * 1000 for w, f in zip(wall, fhir, strict=True))
    out = io.StringIO()
    stats = pstats.Stats(timed.profile, stream=out)
    stats.sort_stats("tottime").print_stats(18)
    return {
        "views": len(app_ms),
        "cpu_ms_median": statistics.median(cpu) * 1000,
        "cpu_ms_p95": cpu[int(0.95 * (len(cpu) - 1))] * 1000,
        "first_views": len(first),
        "first_ms_median": statistics.median(first) * 1000,
        "first_ms_p95": first[int(0.95 * (len(first) - 1))] * 1000,
        "app_ms_median": statistics.median(app_ms),
        "app_ms_p95": app_ms[int(0.95 * (len(app_ms) - 1))],
        "fhir_ms_median": statistics.median(f * 1000 for f in fhir),
        "wall_ms_median": statistics.median(w * 1000 for w in wall),
        "page_bytes": len(page.content),
        "profile": out.getvalue(),
        "profile_stats": stats,
    }
