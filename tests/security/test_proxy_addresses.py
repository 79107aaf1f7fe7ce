"""Issue 20, row 3: behind nginx with ALLIANCE_TRUSTED_PROXIES=1, the per-address bound on
launches sees each clinician's own address under both servers `alliance serve` runs (waitress
with one worker, gunicorn with several), so a stranger who spends one address's launches does
not lock out a clinic at another.

Through the real servers: `alliance serve` as a process, a real nginx in front of it, and
clients connecting to nginx from different loopback addresses (127.0.0.2, 127.0.0.3).
"""

from __future__ import annotations

import http.client
import os
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from plugin.launch.pending import MAX_PENDING_PER_ADDRESS
from tests.support.nginx import nginx_missing, running_nginx
from tests.support.processes import ManagedProcess
from tests.support.smart_bindings import on_socket

pytestmark = pytest.mark.skipif(bool(nginx_missing()), reason="needs nginx")

SECRET = "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq"  # random, for the tests only


def serve(tmp_path: Path, iss: str, workers: str) -> tuple[ManagedProcess, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env.update({"ALLIANCE_PUBLIC_URL": "http://127.0.0.1:9", "ALLIANCE_CLIENT_ID": "c",
                "ALLIANCE_ALLOWED_ISS": iss, "ALLIANCE_SECRET_KEY": SECRET,
                "ALLIANCE_DEVELOPMENT": "true", "ALLIANCE_DATA_DIR": str(tmp_path / "data"),
                "ALLIANCE_TRUSTED_PROXIES": "1", "TMPDIR": str(tmp_path)})
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [
        sys.executable, "-m", "plugin.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        "--workers", workers, "--threads", "4", "--log-format", "text"], log, env=env)
    found: list[str] = []

    def answers() -> bool:
        found[:] = re.findall(r"listening on (http://127\.0\.0\.1:[1-9]\d*) ",
                              log.read_text(errors="replace"))[:1]
        try:
            return bool(found) and requests.get(f"{found[0]}/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    server.wait_until(answers, 60)
    return server, found[0]


def launch_from(source: str, port: int, iss: str) -> int:
    """GET /launch through nginx from the loopback address ``source``; the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                            source_address=(source, 0))
    try:
        connection.request("GET", f"/launch?iss={quote(iss, safe='')}&launch=L1")
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("workers", ["1", "2"], ids=["waitress", "gunicorn"])
def test_a_stranger_spending_one_address_does_not_lock_out_another(hostile, tmp_path, workers):
    ehr = on_socket(hostile())
    app, url = serve(tmp_path, ehr.iss, workers)
    try:
        with running_nginx(max_fails=0) as nginx:
            nginx.balance([url])
            statuses = [launch_from("127.0.0.2", nginx.port, ehr.iss)
                        for _ in range(MAX_PENDING_PER_ADDRESS + 1)]
            assert statuses[:-1] == [302] * MAX_PENDING_PER_ADDRESS, nginx.report()
            assert statuses[-1] == 429  # the stranger's own address is spent
            assert launch_from("127.0.0.3", nginx.port, ehr.iss) == 302  # the clinic's is not
    finally:
        app.stop()
