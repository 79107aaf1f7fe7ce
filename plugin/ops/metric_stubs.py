"""Stand-ins for prometheus_client's metric types when the `metrics` extra is not installed.

The app records its metrics in the same calls either way; without prometheus_client they are
dropped, and /metrics says which extra to install (plugin.ops.metrics.exposition).
"""

from __future__ import annotations

from typing import Any


class Metric:
    """Takes every call a Counter, Gauge or Histogram takes, and keeps nothing."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def labels(self, *_args: Any, **_kwargs: Any) -> Metric:
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def set(self, value: float) -> None:
        pass

    def observe(self, amount: float) -> None:
        pass
