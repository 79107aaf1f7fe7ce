"""Real third-party servers for the interoperability tier: a HAPI FHIR JPA server (R4, in-memory
H2; our launcher in tests/interop/hapi) and oidc-provider (npm; our SMART configuration in
tests/interop/oidc). Started once per test session, stopped after it, and shared by the
interop and renderer tiers: a pytest plugin, which the root conftest.py loads.

One fixture decides whether the tier runs: without java, mvn (for the first build) or node the
tests skip with a loud notice, and under CI=true they fail. A server that does not start within
its deadline fails the run everywhere.

HAPI runs open (no authorization) on 127.0.0.1: oidc-provider's access tokens are opaque and
nobody checks them; what is tested is that the app obtains, refreshes and sends them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.interop import (
    HAPI_DIR,
    HAPI_JAR,
    OIDC_DIR,
    OIDC_MODULES,
    SPARE_APPS,
    Servers,
)
from tests.support.interop_stack import interop_stack
from tests.support.processes import require_tools


def _missing() -> list[str]:
    missing = []
    if not shutil.which("java"):
        missing.append("java 17 (apt-get install openjdk-17-jre-headless)")
    if not HAPI_JAR.exists() and not shutil.which("mvn"):
        missing.append("mvn to build tests/interop/hapi (apt-get install maven)")
    if not shutil.which("node"):
        missing.append("node 20 (apt-get install nodejs npm)")
    elif not OIDC_MODULES.exists() and not shutil.which("npm"):
        missing.append("npm to install oidc-provider (apt-get install npm)")
    return missing


def _build_if_needed() -> None:
    """The Makefile and .ci/run build these; a bare `pytest` run builds them here (cached)."""
    if not HAPI_JAR.exists():
        subprocess.run(["mvn", "-q", "-B", "package"], cwd=HAPI_DIR, check=True, timeout=1200)
    if not OIDC_MODULES.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True,
                       timeout=600)


@pytest.fixture(scope="session")
def interop_tools() -> None:
    """The one place that decides: run, skip loudly, or (in CI) fail."""
    missing = _missing()
    require_tools("HAPI / oidc-provider interoperability tier", missing)
    _build_if_needed()


def _needs_hapi(item: pytest.Item) -> bool:
    return "servers" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks `hapi` every test that needs HAPI (the `servers` fixture, directly or through
    another): `make servers` runs them in one process, around one HAPI."""
    for item in items:
        if _needs_hapi(item):
            item.add_marker(pytest.mark.hapi)


@pytest.fixture(scope="session")
def oidc_servers(interop_tools: None, request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The session's oidc-provider, with HAPI too when a test of the run needs it (`servers`):
    a run of tests that need only oidc-provider does not start HAPI (about 25 s)."""
    hapi = any(_needs_hapi(item) for item in request.session.items)
    try:
        with interop_stack(tmp_path_factory.mktemp("interop-servers"), spare=SPARE_APPS,
                           more_apps=True, hapi=hapi) as started:
            print("\ninterop servers started: " + ", ".join(
                f"{name} in {seconds:.1f}s" for name, seconds in started.started.items()),
                file=sys.stderr)
            yield started
    except RuntimeError as err:
        pytest.fail(f"an interop server did not start: {err}", pytrace=False)


@pytest.fixture(scope="session")
def servers(oidc_servers: Servers) -> Servers:
    """The session's servers, HAPI FHIR and oidc-provider, both answering."""
    return oidc_servers


@pytest.fixture(scope="session")
def hapi_without_transactions(servers: Servers) -> str:
    """The session HAPI's second FHIR base, over the same store: it refuses transaction
    Bundles (501) and its CapabilityStatement lists batch but not transaction, as some FHIR
    stores do. It relays the SMART configuration of the session's oidc-provider too, so the
    app can be launched against it."""
    return servers.hapi.removesuffix("/fhir") + "/fhir-no-transaction"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """HAPI's validation warnings, listed in the run's output (errors fail the test)."""
    module = sys.modules.get("tests.support.hapi_records")
    warnings = getattr(module, "VALIDATION_WARNINGS", None) if module else None
    if warnings:
        terminalreporter.section("HAPI $validate warnings (interop)")
        for line in dict.fromkeys(warnings):
            terminalreporter.write_line(line)
