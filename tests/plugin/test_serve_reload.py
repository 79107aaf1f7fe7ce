"""`alliance serve --workers 2` (real gunicorn) survives what an operator does to it: a reload
(`kill -HUP` to the master) and a worker's exit (TERM to one worker). The workers that replace
the old ones answer pages and /metrics; the Prometheus folder is the master's, kept until the
master exits, and removed then. /readyz says 503 when the folder is gone."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pytest
import requests

from tests.support.processes import ManagedProcess, children
from tests.support.serve_env import SERVE_ENV

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs Unix")


def _serve(tmp_path: Path) -> tuple[ManagedProcess, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALLIANCE_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({**SERVE_ENV, "ALLIANCE_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(tmp_path)})
    log = tmp_path / "serve.log"
    server = ManagedProcess("alliance serve", [
        sys.executable, "-m", "plugin.cli", "serve", "--host", "127.0.0.1", "--port", "0",
        "--workers", "2", "--threads", "2", "--log-format", "text"], log, env=env)
    url: list[str] = []

    def bound() -> bool:
        url[:] = re.findall(r"listening on (http://127\.0\.0\.1:[1-9]\d*) ",
                            log.read_text(errors="replace"))[:1]
        return bool(url) and len(children(server.pid)) == 2
    server.wait_until(bound, 60)
    return server, url[0]


def _all_answer(server: ManagedProcess, url: str) -> bool:
    """Every worker answers a page (which records metrics), /readyz and /metrics with 200:
    enough requests on fresh connections that both workers take some."""
    try:
        for _ in range(6):
            for path in ("/", "/nowhere", "/readyz", "/metrics"):
                status = requests.get(url + path, timeout=5).status_code
                if status != (404 if path == "/nowhere" else 200):
                    return False
    except requests.RequestException:
        return False
    return True


def _replaced(server: ManagedProcess, old: list[int]) -> bool:
    now = children(server.pid)
    return len(now) == 2 and not set(now) & set(old)


def _metrics_folder(tmp_path: Path) -> list[Path]:
    return list(tmp_path.glob("alliance-metrics-*"))


def test_a_reload_and_a_dead_worker_leave_pages_and_metrics_working(tmp_path):
    server, url = _serve(tmp_path)
    try:
        server.wait_until(lambda: _all_answer(server, url), 30)
        [folder] = _metrics_folder(tmp_path)

        old = children(server.pid)
        os.kill(server.pid, signal.SIGHUP)  # a reload: every worker replaced
        server.wait_until(lambda: _replaced(server, old), 60)
        assert folder.is_dir(), "a reload removed the metrics folder"
        server.wait_until(lambda: _all_answer(server, url), 30)

        one = children(server.pid)[0]
        os.kill(one, signal.SIGTERM)  # one worker exits; the master starts another
        server.wait_until(lambda: one not in children(server.pid)
                          and len(children(server.pid)) == 2, 60)
        assert folder.is_dir(), "a worker's exit removed the metrics folder"
        server.wait_until(lambda: _all_answer(server, url), 30)
        body = requests.get(url + "/metrics", timeout=5).text
        assert "alliance_request_seconds" in body
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not _metrics_folder(tmp_path), "the master left its metrics folder behind"


def test_readiness_says_503_when_the_metrics_folder_is_gone(tmp_path):
    server, url = _serve(tmp_path)
    try:
        server.wait_until(lambda: _all_answer(server, url), 30)
        [folder] = _metrics_folder(tmp_path)
        for sample in folder.iterdir():
            sample.unlink()
        folder.rmdir()
        answers = [requests.get(url + "/readyz", timeout=5) for _ in range(4)]
        assert {a.status_code for a in answers} == {503}
        assert all(not a.json()["checks"]["metrics"]["ok"] for a in answers)
    finally:
        server.stop()


def test_metrics_from_several_workers_say_what_is_true_from_start_up(tmp_path):
    """Gauges set when scraped come from the worker that answered: a worker that never
    answered a scrape does not pull `alliance_audit_destination_ok` to 0."""
    server, url = _serve(tmp_path)
    try:
        server.wait_until(lambda: _all_answer(server, url), 30)
        for _ in range(4):  # fresh connections: both workers answer some
            body = requests.get(url + "/metrics", timeout=5).text
            assert "alliance_audit_destination_ok 1.0" in body
            assert 'alliance_outbox_queued{issuer="http://127.0.0.1:9/fhir"} 0.0' in body
            assert "alliance_build_info{" in body
    finally:
        server.stop()


def test_serves_checks_load_nothing_of_prometheus_before_the_folder_is_set():
    """`serve --workers` checks the settings before it sets PROMETHEUS_MULTIPROC_DIR; were
    prometheus_client imported by then, every worker would count in its own memory and
    /metrics would answer an empty page."""
    code = ("import sys; from plugin.recording.catalogue import checked_settings; "
            "import plugin.cli; print('prometheus_client' in sys.modules)")
    import subprocess
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "False"
