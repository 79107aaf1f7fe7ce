"""The fault-injection tier: Toxiproxy (installed by `make toxiproxy` / .ci/run) started once
per module on a free port; without it the tests skip loudly, or fail under CI=true."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.toxiproxy import Toxiproxy, require_toxiproxy


@pytest.fixture(scope="module")
def toxiproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Toxiproxy]:
    binary: Path = require_toxiproxy()
    with Toxiproxy.start(tmp_path_factory.mktemp("toxiproxy"), binary=binary) as server:
        yield server
