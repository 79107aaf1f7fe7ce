"""Replay guards: remember one-time values (a used ``state``, a rotated-out refresh token)
so they are refused if the app hands them back. Only digests are kept, never the values.

In-process memory: a deployment with several processes should also delete the pending
authorization and replace the stored launch context, as the app does.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from .cache import TtlCache

__all__ = ["OneTimeValues"]


class OneTimeValues:
    """A set of spent values that forgets each one after ``memory`` seconds."""

    def __init__(self, memory: float, clock: Callable[[], float], capacity: int = 100_000) -> None:
        self._spent: TtlCache[str, bool] = TtlCache(memory, clock, capacity)
        self._lock = threading.Lock()

    @staticmethod
    def _digest(value: str) -> str:
        return hashlib.sha256(value.encode("utf-8")).hexdigest()

    def claim(self, value: str) -> bool:
        """Mark ``value`` spent; False when it already was (the caller must refuse it)."""
        digest = self._digest(value)
        with self._lock:
            if self._spent.get(digest):
                return False
            self._spent.put(digest, True)
            return True

    def release(self, value: str) -> None:
        """Undo a claim (the value turned out to stay valid)."""
        self._spent.discard(self._digest(value))
