"""The crash run: the app as a process of its own, killed with SIGKILL at random points while
scripted clinicians save, started again each time; afterwards its outbox must drain and every
rating be in HAPI exactly once. Shared by tests/interop/test_crash.py (short) and
benchmarks/crash_run.py (long)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.outbox import KIND
from tests.support.app_process import AppProcess
from tests.support.fault_clinic import Clinician, Tally, Verdict, judge, load_clinic
from tests.support.interop import CLIENT_IDS, Servers
from tests.support.toxiproxy import Toxiproxy

SECRET = "crash-run-" + "Hb8w-6TqM1nZy3xC5kVf9dLp2sRg7jEa4oUi0yWt"


@dataclass
class CrashReport:
    verdict: Verdict
    kills: int
    in_flight_at_kill: list[int] = field(default_factory=list)  # unsent items at each kill


def app_config(iss: str, port: int, data_dir: Path) -> dict[str, Any]:
    return {"port": port, "interval": 0.3,
            "outbox": {"first_retry": 0.3, "max_retry": 2.0, "lease": 20.0},
            "settings": {"public_url": f"http://127.0.0.1:{port}",
                         "client_id": CLIENT_IDS["public"], "allowed_iss": iss,
                         "secret_key": SECRET, "data_dir": str(data_dir),
                         "development": True}}


def unsent(data_dir: Path) -> list[dict[str, Any]]:
    """The outbox as the app left it on disk (read beside the running app)."""
    store = SqliteSessionStore(data_dir / "sessions.sqlite3", SECRET)
    return [i for i in store.values(KIND) if i["state"] != "sent"]


def kill_at_random(app: AppProcess, kills: int, seed: int, running: threading.Event,
                   data_dir: Path, in_flight: list[int]) -> None:
    """Kill the app `kills` times: after a random pause, at the moment a new save appears in
    the outbox not yet sent (one the app is sending now, not one left from an earlier kill),
    waiting at most 5 s for one, so that kills land mid-save. `in_flight` gets, per kill, how
    many new saves were unsent then."""
    rng, pause = random.Random(seed), threading.Event()
    left_before: set[str] = set()
    for _ in range(kills):
        if not running.is_set():
            return
        pause.wait(rng.uniform(0.2, 1.0))
        fresh: set[str] = set()
        for _ in range(100):
            fresh = {str(i["id"]) for i in unsent(data_dir)} - left_before
            if fresh or not running.is_set():
                break
            pause.wait(0.05)
        app.kill()
        left_before = {str(i["id"]) for i in unsent(data_dir)}
        in_flight.append(len(fresh))
        app.start()


def drain_on_disk(data_dir: Path, deadline: float) -> list[dict[str, Any]]:
    done, left = threading.Event(), unsent(data_dir)
    timer = threading.Timer(deadline, done.set)
    timer.start()
    try:
        while left and not done.is_set():
            done.wait(0.5)
            left = unsent(data_dir)
        return left
    finally:
        timer.cancel()


def run_crashes(servers: Servers, toxiproxy: Toxiproxy, workdir: Path, *, clinicians: int,
                sessions: int, kills: int, port: int, seed: int) -> CrashReport:
    plans = load_clinic(servers.hapi, f"crash{seed}", clinicians, sessions)
    proxy = toxiproxy.proxy(f"crash-{seed}", servers.hapi)
    proxy.latency(150, jitter=50)
    iss = f"{proxy.url}/fhir"
    data_dir = workdir / "app-data"
    app = AppProcess(app_config(iss, port, data_dir), workdir).start()
    tally, running, in_flight = Tally(), threading.Event(), []
    running.set()
    try:
        people = [Clinician(n, plan, app_url=lambda: app.url, iss=iss,
                            new_launch=servers.new_launch, hapi=servers.hapi, tally=tally,
                            seed=seed + n) for n, plan in enumerate(plans)]
        threads = [threading.Thread(target=p.run) for p in people]
        killer = threading.Thread(target=kill_at_random, args=(app, kills, seed, running,
                                                                data_dir, in_flight))
        for thread in [*threads, killer]:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
        running.clear()
        killer.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a clinician never finished"
        left = drain_on_disk(data_dir, 120)
        assert left == [], [(i["state"], i["reason"]) for i in left]
        return CrashReport(judge(servers.hapi, tally), app.kills, in_flight)
    finally:
        app.stop()
