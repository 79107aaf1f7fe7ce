"""The embedded sandbox EHR and the app on loopback, for the in-process benchmarks
(panel_latency.py, panel_app_time.py): both measure the patient with the most sessions."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from plugin.web import create_app
from tests.support.servers import LiveServer


@dataclass
class Bench:
    ehr: LiveServer
    app_server: LiveServer
    app: Any  # the Flask app
    patient: str  # the sandbox patient with the most encounters

    def stop(self) -> None:
        self.ehr.stop()
        self.app_server.stop()


def start_bench(http: requests.Session, *, prefix: str,
                wrap: Callable[[Any], Any] = lambda app: app) -> Bench:
    """The sandbox EHR and the app (its FHIR traffic through `http`, served through `wrap`)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    ehr, app_server = LiveServer("localhost"), LiveServer("127.0.0.1")
    sandbox = create_sandbox(SandboxSettings(
        base_url=ehr.url, app_launch_url=f"{app_server.url}/launch",
        clients=(ClientRegistration("bench", "public", (f"{app_server.url}/callback",)),),
        db_path=tmp / "ehr.sqlite3"))
    ehr.start(sandbox)
    app = create_app({"public_url": app_server.url, "client_id": "bench",
                      "allowed_iss": f"{ehr.url}/fhir", "development": True,
                      "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
                      "data_dir": str(tmp / "app")}, http=http)
    app_server.start(wrap(app))
    directory = sandbox.extensions["ehr_sandbox"]["directory"]
    patient = max((p for p, _ in directory.patients()), key=lambda p: len(directory.encounters(p)))
    return Bench(ehr, app_server, app, patient)
