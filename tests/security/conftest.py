"""Fixtures of the attack suite: hostile servers that are stopped after each test, and the app
writing to a companion store, as a client's one-time links need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.clock import FakeClock

from .app_harness import AppUnderAttack, app_under_attack
from .companion_store import CompanionStore
from .hostile import HostileServer

LinkedApp = tuple[AppUnderAttack, CompanionStore, FakeClock]


@pytest.fixture
def hostile() -> Iterator[Callable[[], HostileServer]]:
    started: list[HostileServer] = []

    def make() -> HostileServer:
        server = HostileServer()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def linked_app(hostile: Callable[[], HostileServer],
               tmp_path: Path) -> Callable[..., LinkedApp]:
    """Call it (with any settings to change) for the app under attack writing its records to a
    companion store, both on a hostile server, and the fake clock the app reads."""

    def make(**settings: Any) -> LinkedApp:
        server, clock = hostile(), FakeClock()
        store = CompanionStore(server)
        app = app_under_attack(server, tmp_path, clock=clock, **store.settings(tmp_path),
                               **settings)
        return app, store, clock

    return make
