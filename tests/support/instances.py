"""App instances as real server processes (`alliance serve`, gunicorn workers), several behind
one nginx, sharing a PostgreSQL or Redis session store: what a hospital runs.

`AppInstance` is one `alliance serve` process with ALLIANCE_* settings in its environment.
It binds port 0, so the system picks a free port at the moment of binding and no other program
can take it first (a port chosen beforehand and bound seconds later can be, and a readiness
poll would then be answered by whatever took it). The port is read from the line the instance
prints once bound (`Alliance Panel listening on ...`), in its own log, so the instance polled
for readiness is the one started here. `start_instances` starts several at once and polls each
one's /readyz with a deadline.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.processes import ManagedProcess

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE = 60.0  # seconds; a few on 2 cores
_LISTENING = re.compile(r"Alliance Panel listening on (http://127\.0\.0\.1:(\d+)) ")


@dataclass
class AppInstance:
    name: str
    url: str
    process: ManagedProcess

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    def kill(self) -> None:
        """SIGKILL to the gunicorn master and its workers at once, as a host that dies: the
        instance is its own process group. Killed one by one, the master could fork a new
        worker in between, which served on (seen in a run of the instance-death test)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.kill()

    def stop(self) -> None:
        self.process.stop(signal.SIGTERM)


@dataclass
class _Starting:
    name: str
    process: ManagedProcess
    log_start: int  # the log is appended to across restarts: only what follows is this run's
    port: int  # 0: whatever the system picked

    def bound_url(self) -> str | None:
        """The address this process printed once it bound its port, if it has."""
        with self.process.log.open("rb") as log:
            log.seek(self.log_start)
            text = log.read().decode(errors="replace")
        for match in _LISTENING.finditer(text):
            if self.port in (0, int(match.group(2))):
                return match.group(1)
        return None

    def wait_ready(self) -> AppInstance:
        url: list[str] = []

        def ready() -> bool:
            if not url:
                bound = self.bound_url()
                if bound is None:
                    return False
                url.append(bound)
            return _ready(url[0])

        self.process.wait_until(ready, START_DEADLINE)
        return AppInstance(self.name, url[0], self.process)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _spawn(name: str, settings: Mapping[str, str], folder: Path, *, workers: int,
           threads: int, extra_env: Mapping[str, str] | None, port: int) -> _Starting:
    # No PROMETHEUS_MULTIPROC_DIR: `alliance serve` makes its own, as in production.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALLIANCE_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({f"ALLIANCE_{k.upper()}": v for k, v in settings.items()})
    env["TMPDIR"] = str(folder)  # its metrics folder too: gone with `folder`, even after SIGKILL
    env.update(extra_env or {})
    log = folder / f"{name}.log"
    log_start = log.stat().st_size if log.exists() else 0
    process = ManagedProcess(name, [
        sys.executable, "-m", "plugin.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--threads", str(threads),
    ], log, cwd=str(REPO), env=env, start_new_session=True)  # a group of its own: kill()
    return _Starting(name, process, log_start, port)


def start_instances(names: Sequence[str], settings: Mapping[str, str], folder: Path, *,
                    workers: int = 2, threads: int = 4,
                    extra_env: Mapping[str, str] | None = None) -> list[AppInstance]:
    """Starts one instance per name, all at once (each on a port of its own), and waits until
    each is ready; if one never is, the others are stopped too."""
    starting = [_spawn(n, settings, folder, workers=workers, threads=threads,
                       extra_env=extra_env, port=0) for n in names]
    ready: list[AppInstance] = []
    try:
        for one in starting:
            ready.append(one.wait_ready())
    except BaseException:
        for one in starting:
            one.process.stop(signal.SIGTERM)
        raise
    return ready


def start_instance(name: str, settings: Mapping[str, str], folder: Path, *, workers: int = 2,
                   threads: int = 4, extra_env: Mapping[str, str] | None = None,
                   port: int | None = None) -> AppInstance:
    """Starts one instance (on `port`, to restart one in place behind the same balancer entry)
    and waits until it is ready."""
    return _spawn(name, settings, folder, workers=workers, threads=threads, extra_env=extra_env,
                  port=port or 0).wait_ready()


def stop_instances(instances: Sequence[AppInstance]) -> None:
    """Stops several at once: SIGTERM to all, then waits for each (graceful, as a deploy)."""
    for one in instances:
        if one.process.process.poll() is None:
            os.kill(one.process.pid, signal.SIGTERM)
    for one in instances:
        one.stop()
