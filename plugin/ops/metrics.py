"""The app's Prometheus metrics, safe under a server with several worker processes.

With PROMETHEUS_MULTIPROC_DIR set (`alliance serve --workers N` sets it), each worker writes its
samples to files there and /metrics sums them across workers; without it, the process's own
registry is served. Label values come from bounded sets (configured issuers, error codes,
interactions, alert kinds, registered OAuth error codes), never from a handle, token, patient
or free text: an error code a remote server sent is `other` unless OAuth registers it.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any

from plugin.errors import require_extra

try:
    from prometheus_client import Counter, Gauge, Histogram

    AVAILABLE = True
except ImportError:  # the `metrics` extra is not installed: metrics are recorded nowhere
    from plugin.ops.metric_stubs import Metric

    Counter = Gauge = Histogram = Metric  # type: ignore[assignment,misc]
    AVAILABLE = False

LAUNCHES = Counter(
    "alliance_launches_total", "Launches by issuer and outcome (completed, or the error code)",
    ["issuer", "outcome"])
FHIR_SECONDS = Histogram(
    "alliance_fhir_request_seconds", "Outbound request latency by server and interaction",
    ["server", "interaction"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
SAVES = Counter(
    "alliance_saves_total", "Saves of a rating: sent (stored), queued (in the outbox), failed",
    ["outcome"])
ALERTS_SHOWN = Counter(
    "alliance_alerts_shown_total", "Alerts shown on a panel, by kind", ["kind"])
ERRORS = Counter(
    "alliance_errors_total", "Error pages served, by machine code", ["code"])
# Gauges read when scraped are "livemostrecent": the worker that answers the scrape sets them
# just before, so its value is the newest; a worker that never answered one (its initial 0) or
# has exited (its file removed by mark_process_dead) does not count.
AUDIT_PENDING = Gauge(
    "alliance_audit_events_waiting", "AuditEvents spooled and not yet taken by their destination",
    multiprocess_mode="livemostrecent")  # the workers of one instance share one spool
AUDIT_DESTINATION_OK = Gauge(
    "alliance_audit_destination_ok", "1 when the audit destination took the last delivery, else 0",
    multiprocess_mode="livemostrecent")
OUTBOX_QUEUED = Gauge(
    "alliance_outbox_queued", "Saves waiting in the outbox, by issuer (configured issuers only)",
    ["issuer"], multiprocess_mode="livemostrecent")
OUTBOX_OLDEST_AGE = Gauge(
    "alliance_outbox_oldest_age_seconds",
    "How long the oldest queued save has waited, by issuer; 0 when none waits",
    ["issuer"], multiprocess_mode="livemostrecent")
BUILD_INFO = Gauge(
    "alliance_build_info", "Always 1; the labels say which version runs on which Python",
    ["version", "python"], multiprocess_mode="livemax")
REQUEST_SECONDS = Histogram(
    "alliance_request_seconds", "Time to answer a request, by route and status class",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))

UNCONFIGURED = "unconfigured"
UNKNOWN = "unknown"
OTHER = "other"
# The OAuth error codes registered for the authorization and token endpoints (RFC 6749 4.1.2.1
# and 5.2, OpenID Connect Core 3.1.2.6, RFC 9126, RFC 9101): the only codes from a remote
# server (an authorization callback anyone can forge, a token endpoint's answer) kept as labels.
OAUTH_ERRORS = frozenset({
    "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
    "invalid_scope", "server_error", "temporarily_unavailable", "invalid_client",
    "invalid_grant", "unsupported_grant_type", "interaction_required", "login_required",
    "account_selection_required", "consent_required", "invalid_request_uri",
    "invalid_request_object", "request_not_supported", "request_uri_not_supported",
    "registration_not_supported", "invalid_dpop_proof", "use_dpop_nonce",
})


def remote_error_label(code: str) -> str:
    """A code a remote server chose, as a label: a registered OAuth code, else `other`."""
    return code if code in OAUTH_ERRORS else OTHER


def issuer_label(iss: str | None, allowed: tuple[str, ...]) -> str:
    """The issuer as a label only when it is configured (anyone can send any `iss`);
    `unknown` when the request named none (a callback whose state was not found)."""
    cleaned = (iss or "").strip().rstrip("/")
    if not cleaned:
        return UNKNOWN
    return cleaned if cleaned in allowed else UNCONFIGURED


def build_labels() -> tuple[str, str]:
    """The installed version of the app and the Python running it."""
    try:
        version = metadata.version("alliance-panel")
    except metadata.PackageNotFoundError:
        version = UNKNOWN
    return version, platform.python_version()


def exposition() -> tuple[bytes, str]:
    """The text format for /metrics: summed over workers when they share a folder. Raises
    plugin.errors.MissingExtra when prometheus_client (the `metrics` extra) is not installed."""
    require_extra("prometheus_client", "metrics", "/metrics")
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    registry: Any = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
