"""Fixtures of the sandbox tests; what they are built from lives in harness.py and fakes.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from .fakes import grant
from .harness import Sandbox


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


@pytest.fixture
def clinician(sandbox: Sandbox) -> dict[str, str]:
    """A user/ grant that may do everything."""
    return sandbox.token(grant("user/*.cruds", "launch", "openid", "fhirUser"))
