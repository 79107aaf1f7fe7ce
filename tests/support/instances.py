"""App instances as real server processes (`alliance serve`, gunicorn workers), several behind
one nginx, sharing a PostgreSQL or Redis session store: what a hospital runs.

`AppInstance` is one `alliance serve` process on a free port with ALLIANCE_* settings in its
environment; `start_instances` starts several and polls each one's /readyz with a deadline.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.processes import ManagedProcess, free_port

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE = 60.0  # seconds; a few on 2 cores


@dataclass
class AppInstance:
    name: str
    url: str
    process: ManagedProcess

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    def kill(self) -> None:
        """SIGKILL to the gunicorn master and its workers: a host that dies."""
        master = self.process.pid
        for child in _children(master):
            os.kill(child, signal.SIGKILL)
        self.process.kill()

    def stop(self) -> None:
        self.process.stop(signal.SIGTERM)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def start_instance(name: str, settings: Mapping[str, str], folder: Path, *, workers: int = 2,
                   threads: int = 4, extra_env: Mapping[str, str] | None = None,
                   port: int | None = None) -> AppInstance:
    """Starts one instance (on `port`, to restart one in place) and waits until it is ready."""
    port = port or free_port()
    # No PROMETHEUS_MULTIPROC_DIR: `alliance serve` makes its own, as in production.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALLIANCE_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({f"ALLIANCE_{k.upper()}": v for k, v in settings.items()})
    env.update(extra_env or {})
    process = ManagedProcess(name, [
        sys.executable, "-m", "plugin.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--threads", str(threads),
    ], folder / f"{name}.log", cwd=str(REPO), env=env)
    instance = AppInstance(name, f"http://127.0.0.1:{port}", process)
    process.wait_until(lambda: _ready(instance.url), START_DEADLINE)
    return instance
