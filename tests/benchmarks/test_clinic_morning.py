"""The clinic morning's short form (benchmarks/clinic_morning.py): 20 simulated mornings of 40
clinicians behind one address. Deterministic (fixed seeds), so the bounds below are not flaky:
the app's launch limits still cover the busiest ten minutes with the margin docs/security.md
states (twice the worst), and the figure the security tests use is still the simulation's."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from plugin.launch.pending import MAX_PENDING_PER_ADDRESS, MAX_PENDING_PER_BROWSER
from tests.support.launch_bounds import CLINIC_BUSIEST

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_launch_limits_cover_the_simulated_morning_twice(capsys) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        morning = importlib.import_module("clinic_morning")
        results = morning.simulate(morning.SHORT_SEEDS)
        print("\n".join(morning.report(results, morning.CLINICIANS)))
        full = morning.simulate(morning.SEEDS)
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert "per address: median" in capsys.readouterr().out
    assert max(r.address for r in results) * 2 <= MAX_PENDING_PER_ADDRESS
    assert max(r.browser for r in results) * 2 <= MAX_PENDING_PER_BROWSER
    assert max(r.address for r in full) == CLINIC_BUSIEST  # the figure the flood tests launch
    assert min(r.address for r in results) > 100  # a busy morning: the model still has one
