"""The HAPI FHIR fault benchmark still runs: fault_run.py in its short form, on the interop
tier's servers (started once per test session), ends with its figures printed and nothing lost,
duplicated or untruthfully told. crash_run.py runs in test_crash.py; the rest of the
benchmarks in tests/benchmarks/test_benchmarks_run.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.interop import Servers
from tests.support.toxiproxy import Toxiproxy

pytestmark = pytest.mark.interop
TOXIPROXY_SEED = 7  # the toxiproxy fixture's (conftest.py): the same draws each run

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import fault_run  # noqa: E402

CLEAN = "lost: 0; duplicated: 0; incomplete: 0; told something untrue: 0"


def test_fault_run_short(servers: Servers, toxiproxy: Toxiproxy,
                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fault_run.run(fault_run.parse(["--short"]), servers, toxiproxy, tmp_path,
                  servers.spare_ports[1])
    out = capsys.readouterr().out
    assert "clinicians: 1 at once; saves: 4 " in out and "(0 left unsent)" in out
    assert CLEAN in out, out
