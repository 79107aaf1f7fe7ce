"""The store-backed lock: held by one process at a time, released after use, and given up
(with a clear, retryable error) when another process holds it too long."""

from __future__ import annotations

import pytest

from plugin.launch.errors import LaunchStoreBusy
from plugin.launch.session_store import SqliteSessionStore
from plugin.launch.store_lock import StoreLock
from plugin.web.errors import reply_for
from tests.support.clock import FakeClock


def test_a_held_lock_makes_the_other_process_wait_then_give_up(tmp_path):
    clock = FakeClock(0)
    ours, theirs = (SqliteSessionStore(tmp_path / "s.db", "k" * 32) for _ in range(2))
    waiter = StoreLock(theirs, wait=1.0, interval=0.25, clock=clock, pause=clock.advance)
    with StoreLock(ours).hold("refresh:x"):
        with pytest.raises(LaunchStoreBusy) as err:
            with waiter.hold("refresh:x"):
                raise AssertionError("two holders at once")
        assert reply_for(err.value)[0] == 503 and clock.now == pytest.approx(1.0)
        with waiter.hold("refresh:other"):
            pass
    with waiter.hold("refresh:x"):  # released by its holder: taken at once
        assert clock.now == pytest.approx(1.0)
