"""Fixtures of the attack suite: hostile servers that are stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.hostile import HostileServer


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
