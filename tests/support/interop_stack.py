"""HAPI FHIR and oidc-provider, started together: the interop tier's session servers (the
`servers` fixture) and the HAPI benchmarks' (benchmarks/crash_run.py, fault_run.py), with
`spare_ports` whose /callback oidc-provider accepts.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smart_launch import ClientConfig, SmartClient, generate_private_key_pem
from tests.support.interop import (
    HAPI_JAR,
    TEST_REDIRECT,
    Servers,
    client_registrations,
    start_hapi,
    start_oidc,
    stop_process,
)
from tests.support.servers import LiveServer, free_port


@contextmanager
def interop_stack(logs: Path, *, spare: int = 2, more_apps: bool = False,
                  hapi: bool = True) -> Iterator[Servers]:
    """oidc-provider, then HAPI relaying its SMART configuration; stopped on leaving.
    `more_apps`: a server for the rotating client's keys and a second app, bound for the
    key-rotation and two-issuer tests (the interop tier's session servers).
    `hapi=False`: oidc-provider alone (its configuration still names the FHIR base, where
    nothing answers), for a run whose tests never reach HAPI."""
    if not HAPI_JAR.exists():
        raise RuntimeError("build tests/interop/hapi first: make interop")
    logs.mkdir(parents=True, exist_ok=True)
    hapi_port = free_port()
    spare_ports = tuple(free_port() for _ in range(spare))
    key = generate_private_key_pem("RS384")
    jwks = SmartClient(ClientConfig(client_id="x", redirect_uri=TEST_REDIRECT,
                                    private_key_pem=key)).public_jwks()
    app_server = LiveServer(hostname="127.0.0.1")
    jwks_server = LiveServer(hostname="127.0.0.1") if more_apps else None
    second_app = LiveServer(hostname="127.0.0.1") if more_apps else None
    hapi_base = f"http://127.0.0.1:{hapi_port}/fhir"
    redirects = [f"http://127.0.0.1:{port}/callback" for port in spare_ports]
    if second_app:
        redirects.insert(0, f"{second_app.url}/callback")
    clients = client_registrations(
        f"{app_server.url}/callback", jwks, f"{(jwks_server or app_server).url}/jwks.json",
        *redirects)
    started: dict[str, float] = {}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        t0 = time.monotonic()
        oidc, issuer = start_oidc(logs, hapi_base, clients)
        processes.append(oidc)
        started["oidc-provider"] = time.monotonic() - t0
        t0 = time.monotonic()
        if hapi:
            processes.append(start_hapi(logs, hapi_port,
                                        f"{issuer}/.well-known/smart-configuration"))
            started["HAPI FHIR"] = time.monotonic() - t0
        yield Servers(hapi_base, issuer, app_server, key, logs, started, jwks_server,
                      second_app, spare_ports)
    finally:
        for process in reversed(processes):
            stop_process(process)
