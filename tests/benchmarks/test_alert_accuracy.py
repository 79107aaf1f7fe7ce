"""The alert evaluation's short form, so the benchmark cannot rot: it runs on one held-out seed
with 40 simulated clients a group and prints its table (docs/alert-accuracy.md has the full
run). Its figures are deterministic (fixed seeds), so the bounds below are not flaky; they are
looser than the targets because 40 clients is a small sample, and they catch a rule that stops
seeing drops or starts crying wolf."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_alert_evaluation_runs_and_the_signal_holds(capsys) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        accuracy = importlib.import_module("alert_accuracy")
        table = accuracy.run(accuracy.SEEDS["test"][:1], 40)
        print("\n".join(accuracy.report(table, accuracy.SEEDS["test"][:1], 40)))
    finally:
        sys.path.remove(str(BENCHMARKS))
    shown = capsys.readouterr().out
    assert "| check-in | client | stable: any alert in 20 sessions |" in shown

    def share(key: str) -> float:
        hits, cases = table[key]
        assert cases > 0, key
        return hits / cases

    for name in ("check-in", "SRS", "WAI-SR"):
        assert share(f"{name}|client|drop, left open: prompt at the drop") >= 0.85, name
        assert share(f"{name}|client|drop, left open: rupture still open at the last "
                     "session") >= 0.9, name
        assert share(f"{name}|client|stable: any alert in 20 sessions") <= 0.12, name
        assert share(f"{name}|client|stable: prompts per rated session") <= 0.12, name
    assert share("SRS|client|truly under the line: shown under it within 3 ratings") >= 0.85
    assert share("attendance|clinic cancellation called the client's absence") == 0.0
