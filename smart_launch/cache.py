"""A small thread-safe cache whose entries expire after a TTL measured by an injected clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Maps keys to values for ``ttl`` seconds each; ``clock`` returns epoch seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float], max_entries: int = 256) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """Return the live value for ``key`` or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires_at, value = entry
            if self._clock() >= expires_at:
                del self._entries[key]
                return None
            return value

    def put(self, key: K, value: V, ttl: float | None = None) -> None:
        """Store ``value`` for ``ttl`` seconds (the cache default when None)."""
        lifetime = self._ttl if ttl is None else ttl
        with self._lock:
            if key not in self._entries and len(self._entries) >= self._max_entries:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (self._clock() + lifetime, value)

    def discard(self, key: K) -> None:
        """Forget ``key`` if present."""
        with self._lock:
            self._entries.pop(key, None)
