"""SMART launch routes: /launch, /callback, plus /healthz and the app's public keys."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from plugin.web.security import browser_key, set_browser_cookie
from plugin.web.services import services

bp = Blueprint("launch", __name__)


@bp.get("/launch")
def launch() -> Response:
    """EHR launch (iss + launch) or standalone launch (iss only)."""
    app = services()
    started = app.launches.begin(
        request.args.get("iss"), request.args.get("launch"), browser_key(request)
    )
    # Read (and cache) what the EHR accepts now, so the panel needs no extra round trip.
    app.record_stores.capability(started.fhir_base)
    response = redirect(started.authorize_url, code=302)
    if started.browser_key != browser_key(request):
        set_browser_cookie(response, started.browser_key)
    return response


@bp.get("/callback")
def callback() -> Response:
    handle = services().launches.complete(request.args.to_dict(), browser_key(request))
    return redirect(url_for("panel.panel", handle=handle), code=303)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok", version=services().version)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    response = jsonify(services().smart.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
