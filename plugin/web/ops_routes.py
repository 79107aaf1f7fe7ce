"""What an operator reads: /readyz, /metrics, the request id and one JSON line per request.

/healthz (liveness) lives with the launch routes. /readyz answers 200 when the instance itself
works (session store, keys, metrics folder, audit spool), else 503 with what failed; its JSON
body also gives each configured EHR's state (its outbox), which never makes it 503
(plugin/ops/readiness.py). /metrics is the Prometheus text format. With ALLIANCE_OPS_TOKEN set,
both answer only a request with ``Authorization: Bearer <token>`` (compared in constant time),
else 401; /healthz stays open.
Every response carries X-Request-Id; its log line names the route pattern (`/panel/<handle>`),
never the path, so no handle reaches the log.
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, Response, g, jsonify, request

from plugin.errors import MissingExtra
from plugin.launch.errors import StoreUnavailable
from plugin.ops import metrics, readiness
from plugin.ops.request_ids import HEADER, begin_request, end_request
from plugin.web.services import services

log = logging.getLogger("plugin.access")
bp = Blueprint("ops", __name__)

LAUNCH_ENDPOINTS = {"launch.launch": "started", "launch.callback": "completed"}


def _operator_refused() -> tuple[Response, int] | None:
    """A 401 unless the request carries the operator token (when one is set)."""
    token = services().settings.ops_token
    if token is None:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                          token.encode()):
        return None
    response = jsonify({"error": "this endpoint needs the operator token "
                                 "(Authorization: Bearer, ALLIANCE_OPS_TOKEN)"})
    response.headers["WWW-Authenticate"] = 'Bearer realm="alliance-operator"'
    response.headers["Cache-Control"] = "no-store"
    return response, 401


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    refused = _operator_refused()
    if refused is not None:
        return refused
    ext = services()
    store = ext.launches.store
    settings = ext.settings
    smart = ext.smart
    checks = [
        readiness.check_store(store),
        readiness.check_keys(settings.secret_key,
                             smart.public_jwks if settings.private_key_pem else None),
        readiness.check_metrics(),
        _check_audit(),
    ]
    ready, body = readiness.readiness(checks, readiness.describe_issuers(_outboxes()))
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


def _check_audit() -> readiness.Check:
    """The audit trail: its spool writable and its destination taking deliveries."""
    health = services().auditor.health()
    if health["pending"] < 0:
        return readiness.Check("audit", False, "the audit spool cannot be read")
    detail = (f"{health['pending']} AuditEvent(s) waiting, the oldest "
              f"{health['oldest_age']:.0f} s" if health["pending"] else "nothing waiting")
    if not health["ok"]:
        detail += f"; last problem: {health['last_error'] or 'the spool could not be written'}"
    return readiness.Check("audit", bool(health["ok"]), detail)


def _outboxes() -> dict[str, readiness.IssuerOutbox]:
    """Each configured EHR's outbox; none when the session store does not answer (its own
    check says so)."""
    ext = services()
    try:
        return readiness.outbox_by_issuer(ext.launches.store, ext.settings.allowed_iss,
                                          ext.clock)
    except StoreUnavailable:
        return {}


@bp.get("/metrics")
def prometheus() -> Response | tuple[Response, int]:
    refused = _operator_refused()
    if refused is not None:
        return refused
    if not metrics.AVAILABLE:
        try:
            metrics.exposition()
        except MissingExtra as err:
            return Response(err.message + "\n", status=501, content_type="text/plain")
    health = services().auditor.health()  # read when scraped: a failing destination shows
    metrics.AUDIT_PENDING.set(max(health["pending"], 0))
    metrics.AUDIT_DESTINATION_OK.set(1 if health["ok"] else 0)
    for iss, box in _outboxes().items():
        metrics.OUTBOX_QUEUED.labels(iss).set(box.queued)
        metrics.OUTBOX_OLDEST_AGE.labels(iss).set(round(box.oldest_age, 1))
    metrics.BUILD_INFO.labels(*metrics.build_labels()).set(1)
    data, content_type = metrics.exposition()
    return Response(data, content_type=content_type)


def _count_launch(status: int) -> None:
    outcome = LAUNCH_ENDPOINTS.get(request.endpoint or "")
    if outcome is None:
        return
    if status >= 400:
        outcome = g.get("error_code") or f"http_{status}"
    elif outcome == "completed" and not g.get("launch_issuer"):
        return  # a page on the way (the browser-binding step), not the end of the launch
    allowed = services().settings.allowed_iss
    iss = g.get("launch_issuer") or request.args.get("iss")
    metrics.LAUNCHES.labels(metrics.issuer_label(iss, allowed), outcome).inc()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _begin() -> None:
        g.request_id = begin_request(request.headers.get(HEADER))
        g.started = time.perf_counter()

    @app.after_request
    def _end(response: Response) -> Response:
        response.headers[HEADER] = g.get("request_id", "")
        route = request.url_rule.rule if request.url_rule else "(no route)"
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        if route not in ("/metrics", "/healthz", "/readyz"):
            metrics.REQUEST_SECONDS.labels(route, f"{response.status_code // 100}xx").observe(
                seconds)
            _count_launch(response.status_code)
        log.info("%s %s %s", request.method, route, response.status_code,
                 extra={"route": route, "method": request.method,
                        "status": response.status_code, "ms": round(seconds * 1000, 1)})
        return response

    @app.teardown_request
    def _finish(_: BaseException | None) -> None:
        end_request()
