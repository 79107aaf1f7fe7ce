"""Every benchmark still runs: each one's short form (a few users, a few seconds), run as a
user runs it, ends without an error and prints its figures. The figures themselves are not
judged here (a test is no place for timing); the benchmarks' long runs make them.

The benchmarks that need HAPI FHIR run on the interop tier's servers: fault_run.py's short form
in tests/interop/test_benchmarks_short.py, crash_run.py's `run` in tests/interop/test_crash.py.
alert_accuracy.py is pure computation with its own `make accuracy` and is left out here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO / "benchmarks"

# script -> what its short form must print (each a regular expression)
SHORT_FORMS = {
    "clinic_morning.py": [r"per address: median \d+, worst \d+ launches \(ceiling \d+",
                          r"per browser: median \d+, worst \d+ launches \(limit \d+"],
    "audit_overhead.py": [r"spooling one panel view .*: median [\d.]+ ms",
                          r"verifying the chain of \d+ lines: \d+ ms \(0 problems\)"],
    "panel_app_time.py": [r"first view of a launch .*: 2 views, median [\d.]+ ms",
                          r"repeat view, same launch and instance: 5 views, median [\d.]+ ms",
                          r"memory: one launch's kept view [\d.]+ MB"],
    "panel_latency.py": [r"Alliance Panel, full panel page:\s+median\s+\d+ ms",
                         r"naive sequential reads only:\s+median\s+\d+ ms"],
    "load_benchmark.py": [r"requests \d+, failures 0, errors in the scenario 0, ",
                          r"\| record save \| [1-9]\d* \| 0 \| \d+ \| \d+ \| \d+ \|",
                          r"\| correct save \| [1-9]\d* \| 0 \| \d+ \| \d+ \| \d+ \|",
                          r"\| app-1 \| \d+ \| \d+ \| \d+ \|"],
}
# script -> the interop test that runs it
ON_HAPI = {"crash_run.py": "test_crash.py", "fault_run.py": "test_benchmarks_short.py"}
NOT_HERE = {"alert_accuracy.py"}


def test_every_benchmark_has_a_short_form_that_a_test_runs():
    scripts = {p.name for p in BENCHMARKS.glob("*.py")
               if '__name__ == "__main__"' in p.read_text()}
    assert scripts - NOT_HERE == set(SHORT_FORMS) | set(ON_HAPI)
    for script, test in ON_HAPI.items():
        module = script.removesuffix(".py")
        assert f"{module}.run(" in (REPO / "tests/interop" / test).read_text(), (script, test)


@pytest.mark.parametrize("script", sorted(SHORT_FORMS))
def test_the_short_form_runs_without_errors_and_prints_figures(script, tmp_path):
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(BENCHMARKS / script), "--short"], cwd=REPO, capture_output=True,
        text=True, timeout=240, env=_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    for figure in SHORT_FORMS[script]:
        assert re.search(figure, done.stdout), f"{figure!r} not in:\n{done.stdout[-3000:]}"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ALLIANCE_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env["TMPDIR"] = str(tmp_path)  # what a benchmark leaves behind goes with the test
    return env
