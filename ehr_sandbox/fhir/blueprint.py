"""Flask glue for the FHIR server: bearer tokens, JSON bodies, and errors as HTTP responses."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, Response, request

from ehr_sandbox.fhir.access import Grant
from ehr_sandbox.fhir.capability import capability_statement
from ehr_sandbox.fhir.errors import (
    BadRequest,
    FhirError,
    Unauthorized,
    UnsupportedMedia,
    outcome_of,
)
from ehr_sandbox.fhir.messages import FhirRequest, FhirResponse
from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.server import FhirServer
from ehr_sandbox.fhir.store import format_instant

FHIR_JSON = "application/fhir+json; charset=utf-8"


def _json_response(status: int, body: Resource | None, headers: dict[str, str] | None = None,
                   mimetype: str = FHIR_JSON) -> Response:
    text = "" if body is None else json.dumps(body, ensure_ascii=False)
    response = Response(text, status=status, content_type=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error_response(err: FhirError) -> Response:
    headers = {}
    if isinstance(err, Unauthorized):
        challenge = 'Bearer realm="ehr_sandbox"'
        if err.token_error:
            challenge += ', error="invalid_token", error_description="the token is not valid"'
        headers["WWW-Authenticate"] = challenge
    return _json_response(err.status, outcome_of(err), headers)


def _grant(verify: Callable[[str], Grant | None]) -> Grant:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer access token is required")
    grant = verify(token.strip())
    if grant is None:
        raise Unauthorized("the access token is invalid or expired", token_error=True)
    return grant


def _body() -> Resource | None:
    raw = request.get_data()
    if not raw.strip():
        return None
    if "xml" in (request.mimetype or ""):
        raise UnsupportedMedia("this server speaks FHIR JSON only (application/fhir+json)")
    try:
        body = json.loads(raw)
    except ValueError as err:
        raise BadRequest(f"the body is not valid JSON: {err}") from err
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _fhir_request(path: str) -> FhirRequest:
    params = list(request.args.items(multi=True))
    body = None
    if path.rstrip("/").endswith("_search"):
        params += list(request.form.items(multi=True))
    elif request.method in ("POST", "PUT"):
        body = _body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return FhirRequest(request.method, path.strip("/"), params, headers, body)


def fhir_blueprint(
    server: FhirServer,
    verify: Callable[[str], Grant | None],
    smart_config: Callable[[], Resource],
    clock: Callable[[], float],
) -> Blueprint:
    """The FHIR REST API; mount it at the path of the FHIR base (url_prefix="/fhir")."""
    bp = Blueprint("fhir", __name__)

    @bp.get("/metadata")
    def metadata() -> Response:
        statement = capability_statement(
            server.base, server.writable_types, smart_config(), format_instant(clock())
        )
        return _json_response(200, statement)

    @bp.get("/.well-known/smart-configuration")
    def smart_configuration() -> Response:
        return _json_response(200, smart_config(), mimetype="application/json")

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]

    @bp.route("", defaults={"path": ""}, methods=methods, strict_slashes=False)
    @bp.route("/<path:path>", methods=methods)
    def interaction(path: str) -> Response:
        try:
            grant = _grant(verify)
            result: FhirResponse = server.dispatch(_fhir_request(path), grant)
        except FhirError as err:
            return _error_response(err)
        return _json_response(result.status, result.body, result.headers)

    return bp
