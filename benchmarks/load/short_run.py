"""The load benchmark's short form (`load_benchmark.py --short`): a few clinicians for a few
seconds, the same visit (benchmarks/load/visit.py) as the full run, against the embedded
sandbox EHR and one `alliance serve --workers 2` instance (real gunicorn, SQLite store),
driven by threads instead of locust, nothing in front. It keeps the scenario and the printout
from rotting (tests/benchmarks runs it in `make test`); its figures say nothing about speed.

Each clinician has a client of its own (the sandbox's today session of that client) and makes
at least two visits, so both a first rating and a later visit's correction are exercised.
Returns the figures in the shape of locust's statistics CSV, for load_benchmark.print_run.
"""

from __future__ import annotations

import html
import os
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

from benchmarks.load.sampler import Sampler
from benchmarks.load.visit import visit
from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from tests.support.instances import start_instance
from tests.support.servers import LiveServer, free_port

MIN_VISITS = 2
FRAME = re.compile(r'<iframe[^>]*\ssrc="([^"]+)"')


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, int] = defaultdict(int)
        self.reasons: list[dict[str, str]] = []

    def add(self, name: str, seconds: float, failure: str | None) -> None:
        with self.lock:
            self.times[name].append(seconds)
            if failure:
                self.failures[name] += 1
                self.reasons.append({"Name": name, "Error": failure})

    def rows(self, duration: float) -> dict[str, dict[str, Any]]:
        rows = {}
        every = [t for times in self.times.values() for t in times]
        for name, times in [*self.times.items(), ("Aggregated", every)]:
            ordered = sorted(t * 1000 for t in times)

            def at(share: float, ordered: list[float] = ordered) -> str:
                return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))]:.0f}"

            failures = (sum(self.failures.values()) if name == "Aggregated"
                        else self.failures[name])
            rows[name] = {"Request Count": len(times), "Failure Count": failures,
                          "Requests/s": len(times) / duration,
                          "50%": f"{statistics.median(ordered):.0f}", "95%": at(0.95),
                          "99%": at(0.99)}
        return rows


class ThreadSteps:
    """Steps on a plain requests session; a wrong status or no answer is a failure."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.session = requests.Session()

    def _send(self, method: str, url: str, name: str, status: int,
              **kwargs: Any) -> requests.Response | None:
        started = time.perf_counter()
        failure = None
        try:
            answer: requests.Response | None = self.session.request(
                method, url if url.startswith("http") else self.base + url, timeout=60,
                **kwargs)
        except requests.RequestException as err:
            answer, failure = None, f"{name}: {type(err).__name__}"
        if answer is not None and answer.status_code != status:
            failure = f"{name}: HTTP {answer.status_code}"
        self.tally.add(name, time.perf_counter() - started, failure)
        return None if failure else answer

    def get(self, url: str, name: str, status: int = 200) -> requests.Response | None:
        return self._send("GET", url, name, status)

    def post(self, url: str, data: dict[str, str], name: str,
             status: int = 303) -> requests.Response | None:
        return self._send("POST", url, name, status, data=data, allow_redirects=False)


def run_short(folder: Path, users: int, duration: float) -> dict[str, Any]:
    """Starts the servers, runs `users` clinicians for `duration` seconds (and at least
    MIN_VISITS visits each), stops the servers; the result as load_benchmark.run_locust's."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    ehr = LiveServer(hostname="localhost")
    sandbox = create_sandbox(SandboxSettings(
        base_url=ehr.url, app_launch_url=f"{app_url}/launch",
        clients=(ClientRegistration("load-short", "public", (f"{app_url}/callback",)),),
        db_path=folder / "ehr.sqlite3"))
    ehr.start(sandbox)
    settings = {"public_url": app_url, "client_id": "load-short",
                "allowed_iss": f"{ehr.url}/fhir", "development": "true",
                "secret_key": "load-short-Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                "data_dir": str(folder / "app")}
    instance = start_instance("app-1", settings, folder, workers=2, threads=4, port=port)
    patients = [p for p, _ in sandbox.extensions["ehr_sandbox"]["directory"].patients()]
    tally = Tally()
    end = time.monotonic() + duration

    def clinician(n: int) -> None:
        steps = ThreadSteps(app_url, tally)
        pause = random.Random(n)  # noqa: S311 - think time, not a secret

        def think() -> None:
            threading.Event().wait(pause.uniform(0.05, 0.2))

        visits = 0
        while visits < MIN_VISITS or time.monotonic() < end:
            chart = steps.session.get(f"{ehr.url}/chart/{patients[n % len(patients)]}",
                                      timeout=30)
            found = FRAME.search(chart.text)
            if found is None:
                tally.add("launch", 0.0, "launch: the chart has no app frame")
                return
            visit(steps, html.unescape(found.group(1)), think)
            visits += 1

    load_before = os.getloadavg()[0]
    started = time.monotonic()
    try:
        with Sampler({instance.name: instance.process.pid}) as sampler:
            threads = [threading.Thread(target=clinician, args=(n,)) for n in range(users)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        instance.stop()
        ehr.stop()
    took = time.monotonic() - started
    return {"rows": tally.rows(took), "usage": sampler.usage, "failures": tally.reasons,
            "duration": took, "load": (load_before, os.getloadavg()[0])}
