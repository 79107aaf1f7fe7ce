"""The bounds on pending launches (plugin/launch/pending.py) without a session store: the one
part of a store they use (counters), the answer a launch gets, and the busiest window of a clinic
the bounds must never refuse."""

from __future__ import annotations

from plugin.launch.errors import LaunchBusy, LaunchLimited
from plugin.launch.pending import count_pending

# benchmarks/clinic_morning.py: 40 clinicians behind one address, the busiest ten minutes of
# the worst of 200 simulated mornings (tests/benchmarks/test_clinic_morning.py keeps it so)
CLINIC_BUSIEST = 149


class Counters:
    """The one part of a session store the bounds use: counters in one window."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def incr(self, kind: str, key: str, ttl: float) -> int:
        self.counts[(kind, key)] = self.counts.get((kind, key), 0) + 1
        return self.counts[(kind, key)]


def admitted(store: Counters, address: str, browser: str | None = None) -> str:
    """What a launch from `address` (and `browser`) gets: "ok", or the refusal's status."""
    try:
        count_pending(store, address, browser)  # type: ignore[arg-type]
    except LaunchBusy:
        return "503"
    except LaunchLimited:
        return "429"
    return "ok"
