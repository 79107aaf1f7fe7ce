"""`alliance serve` refuses to start, with the reason, rather than serving a broken instance;
with `--port 0` it takes a free port and prints which. (Serving itself, with gunicorn workers
behind nginx, is tested in tests/scale.)"""

from __future__ import annotations

import os
import re
import sys

import pytest
import requests

from plugin.cli import main
from tests.support.processes import ManagedProcess, free_port
from tests.support.serve_env import SERVE_ENV


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name, value in {**SERVE_ENV, "ALLIANCE_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("workers", ["1", "3"])
def test_a_bad_store_url_stops_serve_with_the_setting_named(env, capsys, workers):
    env.setenv("ALLIANCE_SESSION_STORE_URL", "mysql://u:hunter2@db/x")
    port = str(free_port())
    assert main(["serve", "--log-format", "text", "--workers", workers, "--port", port]) == 2
    err = capsys.readouterr().err
    assert "ALLIANCE_SESSION_STORE_URL" in err and "hunter2" not in err


def test_a_store_that_does_not_answer_stops_serve(env, capsys):
    env.setenv("ALLIANCE_SESSION_STORE_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert main(["serve", "--log-format", "text", "--port", str(free_port())]) == 2
    assert "Redis session store cannot be reached" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])  # waitress, and gunicorn's master
def test_port_0_serves_on_a_free_port_and_says_which(tmp_path, workers):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env.update({**SERVE_ENV, "ALLIANCE_DATA_DIR": str(tmp_path), "TMPDIR": str(tmp_path)})
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [
        sys.executable, "-m", "plugin.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        "--workers", workers, "--threads", "2"], log, env=env)
    try:
        said: list[str] = []

        def answers() -> bool:
            said[:] = re.findall(r"Alliance Panel listening on (http://127\.0\.0\.1:(\d+)) ",
                                 log.read_text(errors="replace"))[:1]
            if not said or said[0][1] == "0":
                return False
            try:
                return requests.get(f"{said[0][0]}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        server.wait_until(answers, 60)
    finally:
        server.stop()
