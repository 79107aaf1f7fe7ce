"""A clinic's morning of chart openings, to size the launch limits (plugin/launch/pending.py).

Each opening of Alliance Panel from a chart is one launch. The simulation counts the launches of
a clinic behind one public address, and of each clinician's browser, in the busiest ten minutes
(any ten minutes, sliding: a stricter count than the app's fixed ten-minute window), over many
mornings. Deterministic: fixed seeds, no clock.

Assumptions, fixed before the figures were read:

- 40 clinicians, each with a caseload of 25 clients: five sessions a day. The worst case is
  taken: all five in one morning, every clinician's sessions on the hour (08:00 to 12:00), so
  the whole clinic turns over at the same minutes.
- Each clinician works at one workstation in one browser (one browser cookie); the clinic's
  workstations share one public address.
- For each session, a clinician opens the client's chart (and so the app):
  - before: once in the ten minutes before the hour (preparing), uniformly;
  - at the start: once in the first five minutes (the client's rating, the hand-off);
  - during: with probability 0.3, once more between 5 and 45 minutes (a sidebar reloaded, a
    question looked up);
  - after: once between 50 and 60 minutes (the therapist's rating, notes).
- Re-opens: each opening is followed, with probability 0.25, by another within 5 to 60 seconds
  (the wrong patient, a chart closed by mistake, a second tab); a re-open may itself be
  re-opened.
- Between sessions: charts of other clients (messages, calls), on average one an hour per
  clinician, at uniform times in the morning.
- Lateness: each clinician's day runs 0 to 3 minutes late (the same offset all morning).

    .venv/bin/python benchmarks/clinic_morning.py [--mornings 200] [--clinicians 40]

`--short`: 20 mornings (what `make test` runs, tests/benchmarks/test_clinic_morning.py, which
also asserts that the app's limits still cover the simulated busiest window).
"""

from __future__ import annotations

import argparse
import random
import sys
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plugin.launch.pending import (  # noqa: E402
    MAX_PENDING_PER_ADDRESS,
    MAX_PENDING_PER_BROWSER,
    PENDING_TTL,
)

CLINICIANS = 40
CASELOAD = 25
SESSIONS = CASELOAD // 5  # a day's sessions, all in one morning
FIRST_HOUR = 8 * 3600
MORNING = (FIRST_HOUR - 1800, FIRST_HOUR + SESSIONS * 3600)
P_DURING, P_REOPEN, OTHER_PER_HOUR, MAX_LATE = 0.3, 0.25, 1.0, 180.0
WINDOW = PENDING_TTL
SEEDS = range(1, 201)
SHORT_SEEDS = range(1, 21)


@dataclass(frozen=True)
class Busiest:
    address: int  # launches from the clinic's one address in its busiest window
    browser: int  # launches from the busiest browser in its busiest window


def _reopened(rng: random.Random, at: float) -> list[float]:
    times = [at]
    while rng.random() < P_REOPEN:
        times.append(times[-1] + rng.uniform(5, 60))
    return times


def clinician_openings(rng: random.Random) -> list[float]:
    """One clinician's chart openings in a morning, in seconds since midnight, sorted."""
    late = rng.uniform(0, MAX_LATE)
    first: list[float] = []
    for session in range(SESSIONS):
        hour = FIRST_HOUR + session * 3600 + late
        first.append(hour - rng.uniform(60, 600))  # before
        first.append(hour + rng.uniform(0, 300))  # at the start
        if rng.random() < P_DURING:
            first.append(hour + rng.uniform(300, 2700))
        first.append(hour + rng.uniform(3000, 3600))  # after
    hours = (MORNING[1] - MORNING[0]) / 3600
    for _ in range(round(hours * OTHER_PER_HOUR)):
        first.append(rng.uniform(*MORNING))
    return sorted(t for at in first for t in _reopened(rng, at))


def busiest_window(times: list[float]) -> int:
    """The most launches in any WINDOW seconds (times sorted)."""
    return max((bisect_right(times, t + WINDOW - 1e-9) - i for i, t in enumerate(times)),
               default=0)


def morning(seed: int, clinicians: int = CLINICIANS) -> Busiest:
    rng = random.Random(seed)  # noqa: S311 (a simulation, not a secret)
    browsers = [clinician_openings(rng) for _ in range(clinicians)]
    clinic = sorted(t for times in browsers for t in times)
    return Busiest(busiest_window(clinic), max(busiest_window(times) for times in browsers))


def simulate(seeds: range, clinicians: int = CLINICIANS) -> list[Busiest]:
    return [morning(seed, clinicians) for seed in seeds]


def report(results: list[Busiest], clinicians: int) -> list[str]:
    address = sorted(r.address for r in results)
    browser = sorted(r.browser for r in results)
    median = len(results) // 2
    return [
        f"{len(results)} mornings, {clinicians} clinicians x {CASELOAD} clients "
        f"({SESSIONS} sessions each, on the hour), busiest {WINDOW / 60:.0f} minutes:",
        f"per address: median {address[median]}, worst {address[-1]} launches "
        f"(ceiling {MAX_PENDING_PER_ADDRESS}, {MAX_PENDING_PER_ADDRESS / address[-1]:.1f}x "
        "the worst)",
        f"per browser: median {browser[median]}, worst {browser[-1]} launches "
        f"(limit {MAX_PENDING_PER_BROWSER}, {MAX_PENDING_PER_BROWSER / browser[-1]:.1f}x "
        "the worst)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mornings", type=int, default=len(SEEDS))
    parser.add_argument("--clinicians", type=int, default=CLINICIANS)
    parser.add_argument("--short", action="store_true", help="20 mornings")
    args = parser.parse_args()
    seeds = SHORT_SEEDS if args.short else range(1, args.mornings + 1)
    print("\n".join(report(simulate(seeds, args.clinicians), args.clinicians)))


if __name__ == "__main__":
    main()
