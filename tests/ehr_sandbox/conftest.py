from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ehr_sandbox.app import create_sandbox
from ehr_sandbox.cohort import Cohort
from ehr_sandbox.settings import SandboxSettings

from .fakes import FakeAuth, FakeGrant, grant

BASE = "http://ehr.test"
FHIR = f"{BASE}/fhir"
NOW = 1795597200.0  # 2026-11-25T09:00:00Z


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def make_settings(tmp_path: Path, clock: Callable[[], float] = lambda: NOW,
                  **overrides: object) -> SandboxSettings:
    values: dict = dict(
        base_url=BASE,
        app_launch_url="http://app.test/launch",
        clients=(),
        db_path=tmp_path / "ehr.sqlite",
        clock=clock,
        alliance_histories=False,  # these tests start with no records; see test_cohort_alliance
    )
    values.update(overrides)
    return SandboxSettings(**values)


class Sandbox:
    """The composed app with a fake auth server, and helpers to call FHIR as some grant."""

    def __init__(self, tmp_path: Path) -> None:
        self.clock = Clock()
        self.settings = make_settings(tmp_path, self.clock)
        self.auth = FakeAuth()
        self.app = create_sandbox(self.settings, auth_factory=lambda s, d: self.auth)
        self.client = self.app.test_client()
        self.store = self.app.extensions["ehr_sandbox"]["store"]

    def token(self, g: FakeGrant) -> dict[str, str]:
        name = f"token-{len(self.auth.tokens)}"
        self.auth.tokens[name] = g
        return {"Authorization": f"Bearer {name}"}

    @property
    def cohort(self) -> Cohort:
        from ehr_sandbox.cohort import build_cohort

        return build_cohort(self.settings.seed, NOW, contributors=())


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


@pytest.fixture
def clinician(sandbox: Sandbox) -> dict[str, str]:
    """A user/ grant that may do everything."""
    return sandbox.token(grant("user/*.cruds", "launch", "openid", "fhirUser"))
