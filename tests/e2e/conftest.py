"""A sandbox EHR and Alliance Panel on two loopback origins, talking real HTTP, and a
requests-based browser that follows the launch like a clinician's would. The parts live in
tests/support/deployment.py, shared with tests/browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.deployment import Deployment, start_deployment
from tests.support.servers import LiveServer


@pytest.fixture
def deploy(tmp_path: Path) -> Iterator[Callable[..., Deployment]]:
    started: list[LiveServer] = []

    def make(**options: object) -> Deployment:
        return start_deployment(tmp_path, started, **options)  # type: ignore[arg-type]

    yield make
    for server in started:
        server.stop()
