"""The composed sandbox for tests: settings, a settable clock, and FHIR calls as some grant.

Tests import from here (never from conftest.py, which only turns these into fixtures).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ehr_sandbox.app import create_sandbox
from ehr_sandbox.auth import AccessGrant
from ehr_sandbox.cohort import Cohort, build_cohort
from ehr_sandbox.fhir.store import Store
from ehr_sandbox.settings import SandboxSettings

from .fakes import FakeAuth

BASE = "http://ehr.test"
FHIR = f"{BASE}/fhir"
NOW = 1795597200.0  # 2026-11-25T09:00:00Z


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def make_settings(tmp_path: Path, clock: Callable[[], float] = lambda: NOW,
                  **overrides: Any) -> SandboxSettings:
    values: dict[str, Any] = dict(
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
        self.store: Store = self.app.extensions["ehr_sandbox"]["store"]

    def token(self, g: AccessGrant) -> dict[str, str]:
        name = f"token-{len(self.auth.tokens)}"
        self.auth.tokens[name] = g
        return {"Authorization": f"Bearer {name}"}

    @property
    def cohort(self) -> Cohort:
        return build_cohort(self.settings.seed, NOW, contributors=())
