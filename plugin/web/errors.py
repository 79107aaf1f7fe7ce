"""The one place that turns errors from every layer into an HTTP response a person can read."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from werkzeug.exceptions import HTTPException

from plugin.errors import AllianceError
from plugin.fhir.errors import FhirAuthError, FhirError, FhirNotFound
from plugin.ops.metrics import ERRORS
from smart_launch import errors as smart_errors

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str, code: str) -> tuple[str, int]:
    g.error_code = code
    ERRORS.labels(code).inc()
    return render_template("error.html", title=title, message=message, code=code), status


def init_app(app: Flask) -> None:
    @app.errorhandler(AllianceError)
    def _alliance(err: AllianceError) -> tuple[str, int]:
        log.info("refused: %s", err.code)
        return _page(err.status, "The app could not open", err.message, err.code)

    @app.errorhandler(smart_errors.SmartLaunchError)
    def _smart(err: smart_errors.SmartLaunchError) -> tuple[str, int]:
        log.warning("SMART launch failed: %s", err.code)
        status = 502 if isinstance(err, smart_errors.TransportError) else 400
        return _page(status, "Sign-in with the EHR failed", err.message, err.code)

    @app.errorhandler(FhirError)
    def _fhir(err: FhirError) -> tuple[str, int]:
        log.warning("FHIR request failed: %s (%s)", err.code, err.status)
        status = (
            403 if isinstance(err, FhirAuthError) else 404 if isinstance(err, FhirNotFound) else 502
        )
        return _page(status, "The EHR's FHIR server refused or failed", err.message, err.code)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> tuple[str, int]:
        return _page(err.code or 500, err.name, err.description or "", "http_error")
