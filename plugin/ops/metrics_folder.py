"""The folder where worker processes write their Prometheus samples (multiprocess mode).

prometheus_client decides at import whether it runs in multiprocess mode, from
PROMETHEUS_MULTIPROC_DIR; so `alliance serve --workers N` calls this before anything imports
it (which is why this module imports nothing of prometheus_client or the app).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def prepare_metrics_folder() -> tuple[Path, bool]:
    """PROMETHEUS_MULTIPROC_DIR, emptied of an earlier run's samples; a fresh folder when it
    is unset. Returns the folder and whether it was made here (to remove it at exit)."""
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="alliance-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder, not named
