"""The app as a process of its own, so that a test can `kill -9` it and start it again.

    python -m tests.support.app_process CONFIG.json

CONFIG: {"port": 8080, "settings": {...create_app settings...}, "outbox": {OutboxPolicy
fields}, "interval": 0.5}. Serves with werkzeug's threaded server on 127.0.0.1:port and runs
the outbox worker, as `alliance serve` does; everything the app keeps is in the settings'
data_dir, so a restart with the same CONFIG carries on where the killed one stopped.

`AppProcess` starts it, polls /healthz with a deadline, kills it with SIGKILL and restarts it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE = 60.0


def main(config_path: str) -> None:
    from werkzeug.serving import make_server

    from plugin.recording.outbox import OutboxPolicy
    from plugin.web import create_app
    from tests.support.servers import _QuietHandler

    config = json.loads(Path(config_path).read_text())
    app = create_app(config["settings"], outbox_policy=OutboxPolicy(**config.get("outbox", {})),
                     outbox_interval=float(config.get("interval", 0.5)))
    server = make_server("127.0.0.1", int(config["port"]), app, threaded=True,
                         request_handler=_QuietHandler)
    print("APP READY", flush=True)
    server.serve_forever()


class AppProcess:
    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.config, self.workdir = config, workdir
        self.url = f"http://127.0.0.1:{config['port']}"
        self.path = workdir / "app-process.json"
        self.path.write_text(json.dumps(config))
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> AppProcess:
        log = (self.workdir / f"app-{self.starts}.log").open("wb")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.app_process", str(self.path)], cwd=REPO,
            env=env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        done = threading.Event()
        timer = threading.Timer(START_DEADLINE, done.set)
        timer.start()
        try:
            while not done.is_set():
                if self.process.poll() is not None:
                    raise RuntimeError(f"the app exited with {self.process.returncode}")
                try:
                    if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                done.wait(0.1)
            raise RuntimeError(f"the app did not answer within {START_DEADLINE:.0f}s")
        finally:
            timer.cancel()

    def kill(self) -> None:
        """SIGKILL: no clean-up, no flushing, as a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


if __name__ == "__main__":
    main(sys.argv[1])
