"""CPU and resident memory of a process and its children, sampled from /proc once a second."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            pids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _cpu_and_rss(pid: int) -> tuple[float, int]:
    ticks, rss = 0, 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return ticks / TICKS, rss


@dataclass
class Usage:
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    rss_peak: int = 0
    rss_samples: list[int] = field(default_factory=list)

    @property
    def cpu_percent(self) -> float:
        return 100 * self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def rss_mean_mb(self) -> float:
        return sum(self.rss_samples) / len(self.rss_samples) / 2**20 if self.rss_samples else 0


class Sampler:
    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.usage = {name: Usage() for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = {name: _cpu_and_rss(pid)[0] for name, pid in self.pids.items()}
        began = time.monotonic()
        while not self._stop.wait(1.0):
            for name, pid in self.pids.items():
                cpu, rss = _cpu_and_rss(pid)
                usage = self.usage[name]
                usage.cpu_seconds = cpu - start[name]
                usage.wall_seconds = time.monotonic() - began
                usage.rss_samples.append(rss)
                usage.rss_peak = max(usage.rss_peak, rss)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
