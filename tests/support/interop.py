"""The interoperability tier's servers: where they live, how they are polled and stopped, and
the handle a test gets on them (``Servers``). The fixtures are in
tests/support/interop_fixtures.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from smart_launch import ClientConfig, SmartClient
from tests.support.processes import tail
from tests.support.servers import LiveServer

HERE = Path(__file__).resolve().parent.parent / "interop"
HAPI_DIR = HERE / "hapi"
HAPI_JAR = HAPI_DIR / "target" / "hapi-interop.jar"
OIDC_DIR = HERE / "oidc"
OIDC_MODULES = OIDC_DIR / "node_modules" / "oidc-provider"
HAPI_START_DEADLINE = 180.0  # seconds; about 25 s on 2 cores
OIDC_START_DEADLINE = 60.0  # seconds; about 1 s on 2 cores, 3 s with both cores busy
SPARE_APPS = 5  # more apps the fault, benchmark and portal tests start, in process or as processes

# Redirect URI of the smart_launch tests (never fetched: the test reads the redirect itself).
TEST_REDIRECT = "http://127.0.0.1:9/callback"
# Unreserved characters only: smart_launch sends Basic base64(id:secret) without URL-encoding
# (SMART's wording), oidc-provider URL-decodes both (RFC 6749 section 2.3.1). They agree only
# when encoding changes nothing; test_a_secret_with_reserved_characters pins the difference.
SYMMETRIC_SECRET = "interop-S3cret_with-only.unreserved~chars"
RESERVED_SECRET = "s3cret:with%odd+chars/=="
CLIENT_IDS = {"public": "alliance-public", "symmetric": "alliance-symmetric",
              "asymmetric": "alliance-asymmetric", "reserved": "alliance-reserved-secret",
              "rotating": "alliance-rotating-keys"}


def wait_for(url: str, process: subprocess.Popen, deadline: float, log: Path) -> None:
    """Poll ``url`` until it answers 200, the process dies, or the deadline passes."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited ({process.returncode}):\n{tail(log, 40)}")
        try:
            if requests.get(url, timeout=30).status_code == 200:  # a first /metadata is slow
                return
        except requests.RequestException:
            pass
        # Not a sleep: a bounded wait on the process, which returns at once if it exits.
        try:
            process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            pass
    state = process_state(process)
    process.terminate()
    raise RuntimeError(f"{url} did not answer within {deadline:.0f}s ({state}):\n{tail(log, 40)}")


_OIDC_READY = re.compile(r"^OIDC READY (http://127\.0\.0\.1:\d+)$", re.MULTILINE)


def start_oidc(logs: Path, fhir_base: str, clients: list[dict]) -> tuple[subprocess.Popen, str]:
    """oidc-provider with our SMART configuration (tests/interop/oidc/server.js) and these
    client registrations; returns the process and its issuer once its discovery answers.

    It binds port 0, so the system picks a free port at the moment of binding: a port chosen
    here and bound by node later can be taken in between by a server of the other half of
    `make servers`. The issuer is read from the line it prints once it listens."""
    config = logs / "oidc.json"
    config.write_text(json.dumps({"port": 0, "fhir_base": fhir_base, "clients": clients}))
    log = logs / "oidc.log"
    with log.open("wb") as out:
        process = subprocess.Popen(["node", "server.js", str(config)], cwd=OIDC_DIR,
                                   stdout=out, stderr=subprocess.STDOUT)
    end = time.monotonic() + OIDC_START_DEADLINE
    try:
        while (ready := _OIDC_READY.search(log.read_text(errors="replace"))) is None:
            if process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited ({process.returncode}):\n{tail(log, 40)}")
            if time.monotonic() > end:
                raise RuntimeError(f"oidc-provider did not listen within {OIDC_START_DEADLINE:.0f}s"
                                   f" ({process_state(process)}):\n{tail(log, 40)}")
            try:  # not a sleep: a bounded wait on the process, which returns at once if it exits
                process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        issuer = ready.group(1)
        wait_for(f"{issuer}/.well-known/openid-configuration", process,
                 max(end - time.monotonic(), 5.0), log)
    except RuntimeError:
        stop_process(process)
        raise
    return process, issuer


def process_state(process: subprocess.Popen) -> str:
    """What the kernel says the process is doing (its state and where it waits), for a start
    that does not finish."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
        wchan = Path(f"/proc/{process.pid}/wchan").read_text().strip() or "-"
    except OSError:
        return "no state"
    state = next((line.split(":", 1)[1].strip() for line in status.splitlines()
                  if line.startswith("State:")), "?")
    return f"state {state}, waiting in {wchan}"


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# A test server's JVM: the quick compiler only and the serial collector, the least CPU for a
# server that lives minutes beside the tests (its start: 47 s of CPU with the JVM's defaults
# for the collector, 40 s with these).
HAPI_JVM = ("-Xmx1500m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def start_hapi(logs: Path, port: int, *smart_configuration: str) -> subprocess.Popen:
    """Our HAPI launcher on 127.0.0.1:port (its bases /fhir and /fhir-no-transaction), polled
    until /fhir/metadata answers; relaying the SMART configuration at the URL given, if one is."""
    log = logs / f"hapi-{port}.log"
    with log.open("wb") as out:
        hapi = subprocess.Popen(
            ["java", *HAPI_JVM, "-jar", str(HAPI_JAR), str(port), *smart_configuration],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/fhir/metadata", hapi, HAPI_START_DEADLINE, log)
    except RuntimeError:
        stop_process(hapi)
        raise
    return hapi


@dataclass
class Servers:
    hapi: str  # FHIR base, e.g. http://127.0.0.1:PORT/fhir
    oidc: str  # issuer
    app_server: LiveServer  # bound, not started: the workflow test mounts the app on it
    private_key_pem: bytes  # of the private_key_jwt client
    logs: Path
    started: dict[str, float]
    # bound, not started: serves the JWKS of the backend client whose keys rotate
    jwks_server: LiveServer | None = None
    # bound, not started: the app of the two-issuer test (its callback is registered too)
    second_app: LiveServer | None = None
    spare_ports: tuple[int, ...] = ()  # free ports whose /callback oidc-provider accepts too

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


def client_registrations(app_redirect: str, jwks: dict, jwks_uri: str,
                         *more_redirects: str) -> list[dict]:
    common = {"grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
              "redirect_uris": [TEST_REDIRECT, app_redirect, *more_redirects]}
    return [
        {**common, "client_id": CLIENT_IDS["public"], "token_endpoint_auth_method": "none"},
        {**common, "client_id": CLIENT_IDS["symmetric"], "client_secret": SYMMETRIC_SECRET,
         "token_endpoint_auth_method": "client_secret_basic"},
        {**common, "client_id": CLIENT_IDS["reserved"], "client_secret": RESERVED_SECRET,
         "token_endpoint_auth_method": "client_secret_basic"},
        {**common, "client_id": CLIENT_IDS["asymmetric"], "jwks": jwks,
         "token_endpoint_auth_method": "private_key_jwt",
         "token_endpoint_auth_signing_alg": "RS384"},
        # Backend services with its keys at a URL oidc-provider fetches and caches.
        {"client_id": CLIENT_IDS["rotating"], "grant_types": ["client_credentials"],
         "response_types": [], "redirect_uris": [], "jwks_uri": jwks_uri,
         "token_endpoint_auth_method": "private_key_jwt",
         "token_endpoint_auth_signing_alg": "RS384"},
    ]


