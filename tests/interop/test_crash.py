"""The app killed with SIGKILL in the middle of saves, and started again: after its outbox has
drained, every rating the clinicians sent is in HAPI exactly once, with its Observations and
Provenance. The app runs as a process of its own (tests/support/app_process.py); HAPI sits
behind a Toxiproxy latency so that saves are in flight when the kill comes. The run is
benchmarks/crash_run.py's own, at a small scale, so the benchmark runs in `make test` too; its
long run has more kills."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.interop import Servers
from tests.support.toxiproxy import Toxiproxy

pytestmark = pytest.mark.interop
TOXIPROXY_SEED = 7  # the toxiproxy fixture's (conftest.py): the same draws each run

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import crash_run  # noqa: E402

CLINICIANS, SESSIONS, KILLS = 2, 3, 4  # 12 saves, 4 kills


def test_kill_9_mid_save_loses_and_duplicates_nothing(
        servers: Servers, toxiproxy: Toxiproxy, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    args = crash_run.parse(["--clinicians", str(CLINICIANS), "--sessions", str(SESSIONS),
                            "--kills", str(KILLS), "--seed", "5"])
    report = crash_run.run(args, servers, toxiproxy, tmp_path, servers.spare_ports[2])
    out = capsys.readouterr().out
    assert report.kills == KILLS and f"kill -9: {KILLS};" in out, out
    assert report.verdict.saves == CLINICIANS * SESSIONS * 2
    assert f"clinicians: {CLINICIANS} at once; saves: {CLINICIANS * SESSIONS * 2} " in out, out
    assert report.verdict.clean, report.verdict
    assert "lost: 0; duplicated: 0; incomplete: 0; told something untrue: 0" in out, out
