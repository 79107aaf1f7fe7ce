"""Marks every test with its tier, taken from its folder (tests/<folder>/...), so that
`pytest -m unit`, `-m "unit or security"` or `-m "not browser"` select whole tiers; and gives
the tiers that start real servers a longer per-test timeout than pytest-timeout's default
(pyproject.toml's `timeout`). A test's own `@pytest.mark.timeout(...)` still wins.

The tiers are listed in docs/testing.md; a folder missing from FOLDER_TIERS fails collection,
so a new folder is given a tier on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.toxiproxy import Toxiproxy, require_toxiproxy

TESTS = Path(__file__).parent / "tests"

# Session fixtures shared by tiers in different folders: HAPI FHIR and oidc-provider (the
# interop tier and the renderer tier).
pytest_plugins = ("tests.support.interop_fixtures",)

# tests/<folder> -> its tier; tests/*.py directly under tests/ are unit tests.
FOLDER_TIERS = {
    "plugin": "unit",
    "smart_launch": "unit",
    "fhir_profiles": "unit",
    "ehr_sandbox": "unit",
    "security": "security",
    "e2e": "e2e",
    "browser": "browser",
    "interop": "interop",
    "faults": "faults",
    "scale": "scale",
    "benchmarks": "benchmarks",
    "packaging": "packaging",
    # Two third-party SDC form renderers in Chromium, saving to HAPI (marked interop as well).
    "renderers": "browser",
}

# Files whose folder says unit but which start server processes (PostgreSQL, Redis,
# `alliance serve`, `alliance demo`): their own tier, so `make unit` starts no process.
FILE_TIERS = {
    "plugin/test_session_store_contract.py": "servers",
    "plugin/test_serve.py": "servers",
    "plugin/test_serve_reload.py": "servers",
    "plugin/ops/test_serve_logs.py": "servers",
    "plugin/test_first_steps.py": "servers",
}

# Seconds per test (setup, call and teardown each) where the default (pyproject's `timeout`)
# is too short on a busy two-core machine: whole tiers, then single files (which win).
TIER_TIMEOUTS = {
    "interop": 900.0,
    "benchmarks": 900.0,
    "packaging": 900.0,
    "browser": 600.0,
    "scale": 600.0,
}
# Single files that need more than their tier: none at present (the slowest unit file, the
# cohort's, takes about 10 s).
FILE_TIMEOUTS: dict[str, float] = {}


def _relative(path: Path) -> str:
    return path.resolve().relative_to(TESTS.resolve()).as_posix()


def tier_of(path: Path) -> str:
    """The tier of a test file, from its place under tests/."""
    as_posix = _relative(path)
    if "/" not in as_posix:
        return "unit"
    if as_posix in FILE_TIERS:
        return FILE_TIERS[as_posix]
    folder = as_posix.split("/", 1)[0]
    if folder not in FOLDER_TIERS:
        raise pytest.UsageError(f"tests/{folder} has no tier: add it to FOLDER_TIERS in {__file__}")
    return FOLDER_TIERS[folder]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright for the whole run, shared by the browser and renderer tiers: its sync
    API runs an event loop of its own, and a second one started while the first is open
    fails ("Sync API inside the asyncio loop")."""
    from playwright.sync_api import expect, sync_playwright

    from tests.support.browser import TIMEOUT_MS

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def toxiproxy(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Toxiproxy]:
    """Toxiproxy (`make toxiproxy`) on a free port, once per module, for the fault tier and the
    interop tier's fault and crash runs; without it the tests skip loudly (fail under CI=true).
    A module's TOXIPROXY_SEED seeds its toxicity draws, so they repeat (default 1)."""
    binary = require_toxiproxy()
    seed = getattr(request.module, "TOXIPROXY_SEED", 1)
    with Toxiproxy.start(tmp_path_factory.mktemp("toxiproxy"), binary=binary,
                         seed=seed) as server:
        yield server


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        if not path.resolve().is_relative_to(TESTS.resolve()):
            continue
        tier = tier_of(path)
        item.add_marker(getattr(pytest.mark, tier))
        seconds = FILE_TIMEOUTS.get(_relative(path), TIER_TIMEOUTS.get(tier))
        if seconds is not None and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(seconds))
