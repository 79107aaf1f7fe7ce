"""The folder where worker processes write their Prometheus samples (multiprocess mode).

prometheus_client decides at import whether it runs in multiprocess mode, from
PROMETHEUS_MULTIPROC_DIR; so `alliance serve --workers N` calls this before anything imports
it (which is why this module imports nothing of prometheus_client or the app).

The folder belongs to gunicorn's master: it lives as long as the master, across reloads
(`kill -HUP`) and worker restarts, and the master alone removes it (a folder it made) when it
exits. Workers are forks of the master and unwind through the same `finally` blocks when they
exit, so `release` checks which process it runs in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MetricsFolder:
    path: Path
    created: bool  # made here (removed at the owner's exit), not named by the operator
    owner_pid: int

    def release(self) -> None:
        """Removes a folder made here, in the owning process only; a no-op in a worker."""
        if self.created and os.getpid() == self.owner_pid:
            shutil.rmtree(self.path, ignore_errors=True)


def prepare_metrics_folder() -> MetricsFolder:
    """PROMETHEUS_MULTIPROC_DIR, emptied of an earlier run's samples; a fresh folder when it
    is unset. The calling process owns it."""
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="alliance-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return MetricsFolder(folder, not named, os.getpid())
