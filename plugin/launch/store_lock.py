"""A lock kept in the session store, so app processes on different hosts exclude each other.

Used where a second, concurrent attempt would do harm: refreshing a launch's access token (the
refresh token rotates, so a second use is refused and ends the launch). Taking the lock is the
store's atomic `add`; the lock expires after `ttl` seconds, so a process that dies holding it
blocks the others for at most that long. `ttl` must outlast the work it guards (a refresh is
one token request with a 10 s timeout), because releasing is a plain delete. A process that
waits longer than `wait` gives up with LaunchStoreBusy (a 503: try again).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from plugin.launch.errors import LaunchStoreBusy
from plugin.launch.session_store import SessionStore
from plugin.wording import pages as page_words

KIND = "lock"


class StoreLock:
    def __init__(
        self,
        store: SessionStore,
        *,
        ttl: float = 30.0,
        wait: float = 20.0,
        interval: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._wait = wait
        self._interval = interval
        self._clock = clock
        self._pause = pause  # between attempts; injected by tests

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        """Waits (up to `wait` seconds) until no other process holds `name`, then holds it."""
        owner = secrets.token_hex(8)
        deadline = self._clock() + self._wait
        while not self._store.add(KIND, name, {"owner": owner}, self._ttl):
            if self._clock() >= deadline:
                raise LaunchStoreBusy(page_words.RENEWING)
            self._pause(self._interval)
        try:
            yield
        finally:
            self._store.delete(KIND, name)
