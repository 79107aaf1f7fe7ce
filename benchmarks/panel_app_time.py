"""The app's own time per panel view for the 150-session patient, against the embedded sandbox EHR.

About a minute, nothing to install: the sandbox EHR and the app run in this process on loopback
servers. The figure is the CPU time of the thread that served each /panel/ request
(``time.thread_time``: no waiting for FHIR, no waiting for a core on a shared machine), the
figure the 15 ms budget of DESIGN.md is about. First views (the panel a launch opens on, and
what any instance that has not served the launch yet does) and repeat views (the same launch
again on the same instance) are counted apart. The sandbox pages searches at ``--page-size``
(50 by default, as HAPI FHIR serves them: 12 Bundles for this patient). Prints figures; asserts
nothing. See benchmarks/README.md.

    .venv/bin/python benchmarks/panel_app_time.py [--launches 12] [--views 40] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load.app_time import Timed, TimedSession, _wrap  # noqa: E402
from benchmarks.sandbox_bench import start_bench  # noqa: E402
from plugin.panel import reads  # noqa: E402
from plugin.web.server import settle_heap  # noqa: E402


def _figures(label: str, cpu: list[float]) -> str:
    ordered = sorted(cpu)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{label}: {len(ordered)} views, median {statistics.median(ordered) * 1000:.1f} ms,"
            f" p95 {p95 * 1000:.1f} ms, min {ordered[0] * 1000:.1f} ms")


def _profile_text(profile: cProfile.Profile, lines: int = 22) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(lines)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=12, help="first views measured")
    parser.add_argument("--views", type=int, default=40, help="repeat views measured")
    parser.add_argument("--page-size", type=int, default=50,
                        help="the page size the sandbox serves (HAPI: 50)")
    parser.add_argument("--profile", action="store_true", help="print cProfile (CPU clock)")
    parser.add_argument("--no-settle", action="store_true",
                        help="leave start-up objects in the collector's full passes")
    parser.add_argument("--short", action="store_true",
                        help="2 launches, 5 views: a check that it runs (make test), not figures")
    args = parser.parse_args()
    if args.short:
        args.launches, args.views = 2, 5
    reads.PAGE_SIZE = args.page_size  # what the app asks for; the sandbox serves up to 500
    http = TimedSession()
    timed = Timed([], [], [])
    bench = start_bench(http, prefix="alliance-apptime-",
                        wrap=lambda app: _wrap(app, http, timed))
    ehr, app, patient = bench.ehr, bench.app, bench.patient

    def launch() -> tuple[requests.Session, str, int]:
        browser = requests.Session()
        chart = browser.get(f"{ehr.url}/chart/{patient}", timeout=30).text
        found = re.search(r'<iframe[^>]*\ssrc="([^"]+)"', chart)
        assert found, "the sandbox chart has no launch frame"
        panel = browser.get(found.group(1).replace("&amp;", "&"), timeout=60)
        panel.raise_for_status()
        return browser, panel.url, len(panel.content)

    for _ in range(1 if args.short else 3):  # warm imports, templates, the sandbox's caches
        browser, url, _size = launch()
        browser.get(url, timeout=60).raise_for_status()
    if not args.no_settle:
        settle_heap()  # as `alliance serve` does once the app is built
    profile_first = cProfile.Profile(time.thread_time) if args.profile else None
    first: list[float] = []
    for _ in range(args.launches):
        timed.cpu.clear()
        timed.profile = profile_first
        browser, url, size = launch()
        timed.profile = None
        first.append(timed.cpu[0])
    for _ in range(3):
        browser.get(url, timeout=60).raise_for_status()
    timed.cpu.clear()
    timed.wall.clear()
    timed.fhir.clear()
    timed.profile = cProfile.Profile(time.thread_time) if args.profile else None
    for _ in range(args.views):
        browser.get(url, timeout=60).raise_for_status()
    repeat, profile_repeat = list(timed.cpu), timed.profile
    wall = statistics.median(timed.wall) * 1000
    fhir = statistics.median(timed.fhir) * 1000
    timed.profile = None

    timed.cpu.clear()
    for _ in range(max(5, args.views // 4)):  # the whole log, on demand
        browser.get(f"{url}?sessions=all", timeout=60).raise_for_status()
    every = list(timed.cpu)

    cache = app.extensions["alliance"].panel_cache
    tracemalloc.start()
    cache.clear()
    browser.get(url, timeout=60).raise_for_status()  # one entry, built afresh
    gc.collect()
    with_entry, _peak = tracemalloc.get_traced_memory()
    cache.clear()
    gc.collect()
    held = with_entry - tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    bench.stop()

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"patient {patient}: the page is {size / 1024:.0f} KB; sandbox pages of "
          f"{args.page_size}; machine load average {load} ({os.cpu_count()} cores)")
    print("App CPU time per panel view (serving thread; FHIR time excluded; budget 15 ms):")
    print("  " + _figures("first view of a launch (or on another instance)", first))
    print("  " + _figures("repeat view, same launch and instance", repeat))
    print(f"  repeat view wall time {wall:.1f} ms median, of which waiting on FHIR "
          f"{fhir:.1f} ms")
    print("  " + _figures("the all-sessions view (?sessions=all), repeat", every))
    print(f"memory: one launch's kept view {held / 1e6:.2f} MB; at most {cache.capacity} "
          f"launches kept per process, so at most {held * cache.capacity / 1e6:.0f} MB if "
          "every one were this long a course")
    if profile_first is not None and profile_repeat is not None:
        print("\nProfile of the first views (CPU clock, by own time):\n")
        print(_profile_text(profile_first))
        print("\nProfile of the repeat views (CPU clock, by own time):\n")
        print(_profile_text(profile_repeat))


if __name__ == "__main__":
    main()
