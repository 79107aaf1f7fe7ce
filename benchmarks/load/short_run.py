"""The load benchmark's short form (`load_benchmark.py --short`): a few clinicians for a few
seconds, the same locust scenario as the full run (load/locustfile.py) with short think times,
against the embedded sandbox EHR and one `alliance serve --workers 2` instance (real gunicorn,
SQLite store), nothing in front. It keeps the scenario and the printout from rotting
(tests/benchmarks runs it in `make test`); its figures say nothing about speed.

Each clinician has a client of its own (the sandbox's today session of that client); a
clinician makes several visits, so both a first rating and a later visit's correction of it
are exercised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from tests.support.instances import start_instance
from tests.support.servers import LiveServer, free_port

THINK = "0.05,0.2"  # seconds


def run_short(folder: Path, users: int, duration: int,
              locust: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Starts the servers, runs `locust` (load_benchmark.locust) with `users` clinicians for
    `duration` seconds, stops the servers; returns locust's result."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    ehr = LiveServer(hostname="localhost")
    sandbox = create_sandbox(SandboxSettings(
        base_url=ehr.url, app_launch_url=f"{app_url}/launch",
        clients=(ClientRegistration("load-short", "public", (f"{app_url}/callback",)),),
        db_path=folder / "ehr.sqlite3"))
    ehr.start(sandbox)
    try:
        settings = {"public_url": app_url, "client_id": "load-short",
                    "allowed_iss": f"{ehr.url}/fhir", "development": "true",
                    "secret_key": "load-short-Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                    "data_dir": str(folder / "app")}
        instance = start_instance("app-1", settings, folder, workers=2, threads=4, port=port)
        try:
            patients = [p for p, _ in sandbox.extensions["ehr_sandbox"]["directory"].patients()]
            env = {"LOAD_CHART": ehr.url, "LOAD_THINK": THINK,
                   "LOAD_CONTEXTS": json.dumps([{"patient": p} for p in patients[:users]])}
            return locust(folder / "locust-short", app_url, env,
                          {instance.name: instance.process.pid}, users, duration,
                          spawn_rate=users)
        finally:
            instance.stop()
    finally:
        ehr.stop()
