"""HAPI FHIR and oidc-provider started outside pytest, for the benchmarks in benchmarks/.

The same servers, built the same way, as the interop tier's `servers` fixture
(tests/interop/conftest.py, tests/support/interop.py), with `spare_ports` whose /callback
oidc-provider accepts.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smart_launch import ClientConfig, SmartClient, generate_private_key_pem
from tests.support.interop import (
    HAPI_JAR,
    OIDC_DIR,
    OIDC_START_DEADLINE,
    TEST_REDIRECT,
    Servers,
    client_registrations,
    start_hapi,
    stop_process,
    wait_for,
)
from tests.support.servers import LiveServer, free_port


@contextmanager
def interop_stack(logs: Path, *, spare: int = 2,
                  hapi_args: tuple[str, ...] = ()) -> Iterator[Servers]:
    if not HAPI_JAR.exists():
        raise RuntimeError("build tests/interop/hapi first: make interop")
    logs.mkdir(parents=True, exist_ok=True)
    hapi_port, oidc_port = free_port(), free_port()
    spare_ports = tuple(free_port() for _ in range(spare))
    key = generate_private_key_pem("RS384")
    jwks = SmartClient(ClientConfig(client_id="x", redirect_uri=TEST_REDIRECT,
                                    private_key_pem=key)).public_jwks()
    app_server = LiveServer()
    config = logs / "oidc.json"
    hapi_base = f"http://127.0.0.1:{hapi_port}/fhir"
    clients = client_registrations(
        f"{app_server.url}/callback", jwks, f"{app_server.url}/jwks.json",  # no rotating keys
        *(f"http://127.0.0.1:{port}/callback" for port in spare_ports))
    config.write_text(json.dumps({"port": oidc_port, "fhir_base": hapi_base,
                                  "clients": clients}))
    issuer = f"http://127.0.0.1:{oidc_port}"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with (logs / "oidc.log").open("wb") as out:
            oidc = subprocess.Popen(["node", "server.js", str(config)], cwd=OIDC_DIR,
                                    stdout=out, stderr=subprocess.STDOUT)
        processes.append(oidc)
        wait_for(f"{issuer}/.well-known/openid-configuration", oidc, OIDC_START_DEADLINE,
                 logs / "oidc.log")
        processes.append(start_hapi(logs, hapi_port, *hapi_args,
                                    f"{issuer}/.well-known/smart-configuration"))
        yield Servers(hapi_base, issuer, app_server, key, logs, {}, spare_ports=spare_ports)
    finally:
        for process in reversed(processes):
            stop_process(process)
