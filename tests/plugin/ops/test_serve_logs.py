"""`alliance serve` (--log-format json, the default) writes nothing but JSON lines on stdout
and stderr: the app's own lines, the line saying where it listens, gunicorn's master and
workers (its error log, through the app's formatter), waitress's, and why it refuses to
start."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest
import requests

from tests.support.processes import ManagedProcess, free_port
from tests.support.serve_env import SERVE_ENV


def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_")}
    env.update({**SERVE_ENV, "ALLIANCE_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(tmp_path),
                **more})
    return env


def _lines(log: Path) -> list[dict[str, object]]:
    """Every line of the output as JSON; fails naming the first line that is not."""
    parsed = []
    for number, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"line {number} of serve's output is not JSON: {line!r}\n"
                        f"{log.read_text(errors='replace')}")
    return parsed


@pytest.mark.parametrize("workers", ["2", "1"])  # gunicorn, waitress
def test_every_line_serve_writes_is_json(tmp_path: Path, workers: str) -> None:
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [
        sys.executable, "-m", "plugin.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        "--workers", workers, "--threads", "2"], log, env=_env(tmp_path))
    try:
        found: list[str] = []

        def answers() -> bool:
            found[:] = re.findall(r"listening on (http://127\.0\.0\.1:\d+) ",
                                  log.read_text(errors="replace"))
            if not found:
                return False
            try:
                return requests.get(f"{found[0]}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        server.wait_until(answers, 60)
        assert requests.get(f"{found[0]}/no-such-page", timeout=5).status_code == 404
        assert requests.get(f"{found[0]}/launch", timeout=5).status_code == 400  # no iss
        if workers != "1":  # a reload: gunicorn's master says so, as JSON too
            os.kill(server.pid, signal.SIGHUP)
            server.wait_until(lambda: "Hang up" in log.read_text(errors="replace"), 30)
    finally:
        server.stop()
    # gunicorn stops cleanly on TERM; waitress has no handler for it and ends by the signal
    assert server.process.returncode == (0 if workers != "1" else -signal.SIGTERM)
    lines = _lines(log)
    loggers = {str(line["logger"]) for line in lines}
    assert "plugin.access" in loggers  # the app's own request lines
    if workers != "1":
        gunicorn = [line["message"] for line in lines if line["logger"] == "gunicorn.error"]
        assert any("Booting worker" in str(m) for m in gunicorn), gunicorn
        assert any("Shutting down" in str(m) for m in gunicorn), gunicorn


@pytest.mark.parametrize("workers", ["2", "1"])
def test_a_refusal_to_start_is_a_json_line_too(tmp_path: Path, workers: str) -> None:
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [
        sys.executable, "-m", "plugin.cli", "serve", "--port", str(free_port()),
        "--workers", workers], log, env=_env(tmp_path, ALLIANCE_SESSION_HOURS="1000"))
    assert server.process.wait(timeout=60) == 2
    (line,) = _lines(log)
    assert line["level"] == "ERROR" and "ALLIANCE_SESSION_HOURS" in str(line["message"])
