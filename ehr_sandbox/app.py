"""Composition of the development EHR: store, cohort, authorization server, FHIR API, chart."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypedDict

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from ehr_sandbox import cohort_stores
from ehr_sandbox.auth import AuthServer
from ehr_sandbox.chart import chart_blueprint, portal_blueprint
from ehr_sandbox.fhir import FhirServer, Store, StoreDirectory, fhir_blueprint
from ehr_sandbox.fhir.access import Grant
from ehr_sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)


class AuthLike(Protocol):
    """The part of ehr_sandbox.auth.AuthServer this module uses."""

    def init_app(self, app: Flask) -> None: ...
    def smart_configuration(self) -> dict[str, Any]: ...
    def create_launch(self, patient: str, encounter: str | None, practitioner: str) -> str: ...
    def verify_access_token(self, token: str) -> Grant | None: ...


AuthFactory = Callable[[SandboxSettings, StoreDirectory], AuthLike]


class SandboxParts(TypedDict):
    """What `app.extensions["ehr_sandbox"]` holds, for tests and the demo to reach inside."""

    store: Store
    auth: AuthLike
    fhir: FhirServer
    directory: StoreDirectory
    settings: SandboxSettings


def _default_auth(settings: SandboxSettings, directory: StoreDirectory) -> AuthLike:
    return AuthServer(settings, directory)


def create_sandbox(settings: SandboxSettings, *,
                   auth_factory: AuthFactory | None = None) -> Flask:
    """The sandbox EHR as one Flask app; the cohort is loaded on first start only (and never
    with `settings.load_cohort` off: a companion record store starts empty)."""
    app = Flask("ehr_sandbox")
    store = Store(settings.db_path, settings.clock)
    loaded = cohort_stores.fill(store, settings)
    if loaded:
        log.info("loaded %d synthetic resources into %s", loaded, settings.db_path)
    directory = StoreDirectory(store)
    auth = (auth_factory or _default_auth)(settings, directory)
    auth.init_app(app)
    server = FhirServer(store, settings.fhir_base, settings.writable_types)
    app.register_blueprint(
        fhir_blueprint(server, auth.verify_access_token, auth.smart_configuration,
                       settings.clock),
        url_prefix="/fhir",
    )
    app.register_blueprint(chart_blueprint(store, directory, auth.create_launch, settings))
    app.register_blueprint(portal_blueprint(directory, auth.create_launch, settings))

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify(status="ok")

    parts: SandboxParts = {"store": store, "auth": auth, "fhir": server,
                           "directory": directory, "settings": settings}
    app.extensions["ehr_sandbox"] = parts
    return app
