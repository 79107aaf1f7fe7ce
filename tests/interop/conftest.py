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
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from smart_launch import ClientConfig, SmartClient, generate_private_key_pem
from tests.support.servers import LiveServer

HERE = Path(__file__).resolve().parent
HAPI_DIR = HERE / "hapi"
HAPI_JAR = HAPI_DIR / "target" / "hapi-interop.jar"
OIDC_DIR = HERE / "oidc"
OIDC_MODULES = OIDC_DIR / "node_modules" / "oidc-provider"
HAPI_START_DEADLINE = 180.0  # seconds; about 25 s on 2 cores
OIDC_START_DEADLINE = 20.0

# Redirect URI of the smart_launch tests (never fetched: the test reads the redirect itself).
TEST_REDIRECT = "http://127.0.0.1:9/callback"
# Unreserved characters only: smart_launch sends Basic base64(id:secret) without URL-encoding
# (SMART's wording), oidc-provider URL-decodes both (RFC 6749 section 2.3.1). They agree only
# when encoding changes nothing; test_a_secret_with_reserved_characters pins the difference.
SYMMETRIC_SECRET = "interop-S3cret_with-only.unreserved~chars"
RESERVED_SECRET = "s3cret:with%odd+chars/=="
CLIENT_IDS = {"public": "alliance-public", "symmetric": "alliance-symmetric",
              "asymmetric": "alliance-asymmetric", "reserved": "alliance-reserved-secret"}


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
    if not missing:
        _build_if_needed()
        return
    reason = "the interoperability tier needs " + "; ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    banner = "!" * 78
    print(f"\n{banner}\n!! SKIPPING the HAPI / oidc-provider tests: {reason}\n{banner}",
          file=sys.stderr)
    pytest.skip(f"SKIPPED LOUDLY: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen, deadline: float, log: Path) -> None:
    """Poll ``url`` until it answers 200, the process dies, or the deadline passes."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited ({process.returncode}):\n{_tail(log)}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        # Not a sleep: a bounded wait on the process, which returns at once if it exits.
        try:
            process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            pass
    process.terminate()
    raise RuntimeError(f"{url} did not answer within {deadline:.0f}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_hapi(logs: Path, port: int, *args: str) -> subprocess.Popen:
    """Our HAPI launcher on 127.0.0.1:port, polled until /fhir/metadata answers."""
    log = logs / f"hapi-{port}.log"
    with log.open("wb") as out:
        hapi = subprocess.Popen(
            ["java", "-Xmx1500m", "-XX:TieredStopAtLevel=1", "-jar", str(HAPI_JAR),
             *[a for a in args if a.startswith("--")], str(port),
             *[a for a in args if not a.startswith("--")]],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/fhir/metadata", hapi, HAPI_START_DEADLINE, log)
    except RuntimeError:
        _stop(hapi)
        raise
    return hapi


@pytest.fixture(scope="session")
def hapi_without_transactions(interop_tools: None,
                              tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second HAPI, started with --no-transaction: it refuses transaction Bundles (501) and
    its CapabilityStatement lists batch but not transaction, as some FHIR stores do. Yields
    its FHIR base. Started only by the tests that ask for it."""
    logs = tmp_path_factory.mktemp("hapi-no-transaction")
    port = free_port()
    try:
        hapi = start_hapi(logs, port, "--no-transaction")
    except RuntimeError as err:
        pytest.fail(f"HAPI without transactions did not start: {err}", pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}/fhir"
    finally:
        _stop(hapi)


@dataclass
class Servers:
    hapi: str  # FHIR base, e.g. http://127.0.0.1:PORT/fhir
    oidc: str  # issuer
    app_server: LiveServer  # bound, not started: the workflow test mounts the app on it
    private_key_pem: bytes  # of the private_key_jwt client
    logs: Path
    started: dict[str, float]

    def client(self, kind: str, redirect_uri: str = TEST_REDIRECT,
               http: requests.Session | None = None) -> SmartClient:
        return SmartClient(ClientConfig(
            client_id=CLIENT_IDS[kind], redirect_uri=redirect_uri,
            client_secret={"symmetric": SYMMETRIC_SECRET, "reserved": RESERVED_SECRET}.get(kind),
            private_key_pem=self.private_key_pem if kind == "asymmetric" else None,
        ), http=http)

    def new_launch(self, context: dict) -> str:
        """What the EHR does before opening the app: a launch value for this context."""
        answer = requests.post(f"{self.oidc}/ehr/launch", json=context, timeout=10)
        answer.raise_for_status()
        return str(answer.json()["launch"])

    def set_standalone_context(self, context: dict) -> None:
        requests.put(f"{self.oidc}/ehr/standalone", json=context, timeout=10).raise_for_status()


def _clients(app_redirect: str, jwks: dict) -> list[dict]:
    common = {"grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
              "redirect_uris": [TEST_REDIRECT, app_redirect]}
    return [
        {**common, "client_id": CLIENT_IDS["public"], "token_endpoint_auth_method": "none"},
        {**common, "client_id": CLIENT_IDS["symmetric"], "client_secret": SYMMETRIC_SECRET,
         "token_endpoint_auth_method": "client_secret_basic"},
        {**common, "client_id": CLIENT_IDS["reserved"], "client_secret": RESERVED_SECRET,
         "token_endpoint_auth_method": "client_secret_basic"},
        {**common, "client_id": CLIENT_IDS["asymmetric"], "jwks": jwks,
         "token_endpoint_auth_method": "private_key_jwt",
         "token_endpoint_auth_signing_alg": "RS384"},
    ]


@pytest.fixture(scope="session")
def servers(interop_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    logs = tmp_path_factory.mktemp("interop-servers")
    hapi_port = free_port()
    hapi_base = f"http://127.0.0.1:{hapi_port}/fhir"
    app_server = LiveServer(hostname="127.0.0.1")
    key = generate_private_key_pem("RS384")
    jwks = SmartClient(ClientConfig(client_id="x", redirect_uri=TEST_REDIRECT,
                                    private_key_pem=key)).public_jwks()
    oidc_port = free_port()
    config = logs / "oidc.json"
    config.write_text(json.dumps({"port": oidc_port, "fhir_base": hapi_base,
                                  "clients": _clients(f"{app_server.url}/callback", jwks)}))
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
        yield Servers(hapi_base, issuer, app_server, key, logs, started)
    except RuntimeError as err:
        pytest.fail(f"an interop server did not start: {err}", pytrace=False)
    finally:
        for process in reversed(processes):
            _stop(process)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """HAPI's validation warnings, listed in the run's output (errors fail the test)."""
    module = sys.modules.get("tests.interop.test_workflow_hapi")
    warnings = getattr(module, "VALIDATION_WARNINGS", None) if module else None
    if warnings:
        terminalreporter.section("HAPI $validate warnings (interop)")
        for line in dict.fromkeys(warnings):
            terminalreporter.write_line(line)
