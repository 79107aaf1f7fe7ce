"""The app killed with SIGKILL in the middle of saves, and started again: after its outbox has
drained, every rating the clinicians sent is in HAPI exactly once, with its Observations and
Provenance. The app runs as a process of its own (tests/support/app_process.py); HAPI sits
behind a Toxiproxy latency so that saves are in flight when the kill comes. The long run, with
more kills: benchmarks/crash_run.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.crash_clinic import run_crashes
from tests.support.interop import Servers
from tests.support.toxiproxy import Toxiproxy

pytestmark = pytest.mark.interop
TOXIPROXY_SEED = 7  # the toxiproxy fixture's (conftest.py): the same draws each run

CLINICIANS, SESSIONS, KILLS = 2, 3, 4  # 12 saves, 4 kills


def test_kill_9_mid_save_loses_and_duplicates_nothing(
        servers: Servers, toxiproxy: Toxiproxy, tmp_path: Path) -> None:
    report = run_crashes(servers, toxiproxy, tmp_path, clinicians=CLINICIANS,
                         sessions=SESSIONS, kills=KILLS, port=servers.spare_ports[2], seed=5)
    print(f"\ncrash run (short): {report}")
    assert report.kills == KILLS
    assert report.verdict.saves == CLINICIANS * SESSIONS * 2
    assert report.verdict.clean, report.verdict
