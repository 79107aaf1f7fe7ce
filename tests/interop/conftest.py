"""Real third-party servers for the interoperability tier: a HAPI FHIR JPA server (R4, in-memory
H2; our launcher in tests/interop/hapi) and oidc-provider (npm; our SMART configuration in
tests/interop/oidc). Started once per test session, stopped after it.

One fixture decides whether the tier runs: without java, mvn (for the first build) or node the
tests skip with a loud notice, and under CI=true they fail. A server that does not start within
its deadline fails the run everywhere.

HAPI runs open (no authorization) on 127.0.0.1: oidc-provider's access tokens are opaque and
nobody checks them; what is tested is that the app obtains, refreshes and sends them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from smart_launch import ClientConfig, SmartClient, generate_private_key_pem
from tests.support.interop import (
    HAPI_DIR,
    HAPI_JAR,
    OIDC_DIR,
    OIDC_MODULES,
    OIDC_START_DEADLINE,
    SPARE_APPS,
    TEST_REDIRECT,
    Servers,
    client_registrations,
    start_hapi,
    stop_process,
    wait_for,
)
from tests.support.processes import require_tools
from tests.support.servers import LiveServer, free_port


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


@pytest.fixture(scope="session")
def servers(interop_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    logs = tmp_path_factory.mktemp("interop-servers")
    hapi_port = free_port()
    hapi_base = f"http://127.0.0.1:{hapi_port}/fhir"
    app_server = LiveServer(hostname="127.0.0.1")
    jwks_server = LiveServer(hostname="127.0.0.1")
    second_app = LiveServer(hostname="127.0.0.1")
    key = generate_private_key_pem("RS384")
    jwks = SmartClient(ClientConfig(client_id="x", redirect_uri=TEST_REDIRECT,
                                    private_key_pem=key)).public_jwks()
    oidc_port = free_port()
    config = logs / "oidc.json"
    spare_ports = tuple(free_port() for _ in range(SPARE_APPS))
    clients = client_registrations(f"{app_server.url}/callback", jwks,
                                   f"{jwks_server.url}/jwks.json", f"{second_app.url}/callback",
                                   *(f"http://127.0.0.1:{port}/callback" for port in spare_ports))
    config.write_text(json.dumps({"port": oidc_port, "fhir_base": hapi_base, "clients": clients}))
    issuer = f"http://127.0.0.1:{oidc_port}"
    started: dict[str, float] = {}
    processes: list[subprocess.Popen] = []
    try:
        t0 = time.monotonic()
        oidc_log = logs / "oidc.log"
        with oidc_log.open("wb") as out:
            oidc = subprocess.Popen(["node", "server.js", str(config)], cwd=OIDC_DIR,
                                    stdout=out, stderr=subprocess.STDOUT)
        processes.append(oidc)
        wait_for(f"{issuer}/.well-known/openid-configuration", oidc, OIDC_START_DEADLINE,
                 oidc_log)
        started["oidc-provider"] = time.monotonic() - t0
        t0 = time.monotonic()
        processes.append(start_hapi(logs, hapi_port, f"{issuer}/.well-known/smart-configuration"))
        started["HAPI FHIR"] = time.monotonic() - t0
        print("\ninterop servers started: " + ", ".join(
            f"{name} in {seconds:.1f}s" for name, seconds in started.items()), file=sys.stderr)
        yield Servers(hapi_base, issuer, app_server, key, logs, started, jwks_server,
                      second_app, spare_ports)
    except RuntimeError as err:
        pytest.fail(f"an interop server did not start: {err}", pytrace=False)
    finally:
        for process in reversed(processes):
            stop_process(process)


@pytest.fixture(scope="session")
def hapi_without_transactions(servers: Servers,
                              tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second HAPI, started with --no-transaction: it refuses transaction Bundles (501) and
    its CapabilityStatement lists batch but not transaction, as some FHIR stores do. Yields
    its FHIR base. Started only by the tests that ask for it; it relays the SMART
    configuration of the session's oidc-provider, so the app can be launched against it."""
    logs = tmp_path_factory.mktemp("hapi-no-transaction")
    port = free_port()
    try:
        hapi = start_hapi(logs, port, "--no-transaction",
                          f"{servers.oidc}/.well-known/smart-configuration")
    except RuntimeError as err:
        pytest.fail(f"HAPI without transactions did not start: {err}", pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}/fhir"
    finally:
        stop_process(hapi)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """HAPI's validation warnings, listed in the run's output (errors fail the test)."""
    module = sys.modules.get("tests.support.hapi_records")
    warnings = getattr(module, "VALIDATION_WARNINGS", None) if module else None
    if warnings:
        terminalreporter.section("HAPI $validate warnings (interop)")
        for line in dict.fromkeys(warnings):
            terminalreporter.write_line(line)
