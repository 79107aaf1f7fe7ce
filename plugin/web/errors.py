"""The one place that turns an error from any layer into a page a person can read.

There is a handler for every error root (plugin.errors, plugin.launch, plugin.recording,
plugin.fhir, plugin.alliance, smart_launch) and for werkzeug's HTTP errors, so no domain error
reaches a user as a bare 500. ``REPLY_STATUS`` is *our* reply's status per error class (the most
specific class listed wins); a FHIR server's own status stays ``FhirError.upstream_status``.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from plugin.alliance import AllianceError
from plugin.config import CA_BUNDLE_HINT
from plugin.errors import ConfigError
from plugin.fhir.errors import (
    FhirAuthError,
    FhirError,
    FhirLimitExceeded,
    FhirNotFound,
    RecordError,
    RecordStoreSignInFailed,
)
from plugin.launch.errors import (
    LaunchBusy,
    LaunchError,
    LaunchExpired,
    LaunchLimited,
    LaunchRefused,
    LaunchStoreBusy,
    StoreUnavailable,
)
from plugin.ops.metrics import ERRORS, remote_error_label
from plugin.recording.errors import RecordingError
from plugin.web import plain_words
from plugin.web.audit_hooks import audit_refusal
from plugin.web.services import services
from smart_launch import (
    AuthorizationDenied,
    SmartLaunchError,
    TokenRequestError,
    TransportError,
)
from smart_launch.errors import ResponseLimitExceeded

log = logging.getLogger(__name__)

# error class -> (our reply's HTTP status, the page title)
REPLY_STATUS: dict[type[Exception], tuple[int, str]] = {
    ConfigError: (503, "Alliance Panel is not set up correctly"),
    LaunchError: (400, "Alliance Panel could not open"),
    LaunchRefused: (400, "Alliance Panel could not open"),
    LaunchExpired: (403, "Open Alliance Panel again"),
    LaunchLimited: (429, "Please wait a few minutes"),
    LaunchBusy: (503, "Please wait a few minutes"),
    LaunchStoreBusy: (503, "Alliance Panel is busy"),
    StoreUnavailable: (503, "Alliance Panel cannot reach its storage"),
    RecordingError: (409, "This cannot be recorded"),
    AllianceError: (422, "The form could not be used"),
    FhirError: (502, "The EHR could not do this"),
    FhirAuthError: (403, "The EHR did not allow this"),
    FhirNotFound: (404, "Not found in the EHR"),
    FhirLimitExceeded: (502, "The EHR's answer could not be used"),
    RecordError: (422, "The record could not be built"),
    RecordStoreSignInFailed: (502, "Ratings could not be reached"),
    SmartLaunchError: (400, "Sign-in with the EHR failed"),
    TransportError: (502, "Sign-in with the EHR failed"),
    ResponseLimitExceeded: (502, "Sign-in with the EHR failed"),
}
ROOTS = (ConfigError, LaunchError, RecordingError, AllianceError, FhirError, SmartLaunchError)
# errors whose code a remote server chose (an OAuth `error`): metrics and logs see only a
# registered OAuth code or "other" (plugin/ops/metrics.py)
REMOTE_CODES = (AuthorizationDenied, TokenRequestError)


TLS_UNTRUSTED = frozenset({"tls_untrusted", "fhir.tls_untrusted"})  # the operator's CA setting


def reply_for(err: Exception) -> tuple[int, str]:
    """Our reply's status and title for an error: its nearest class in REPLY_STATUS."""
    for cls in type(err).__mro__:
        if cls in REPLY_STATUS:
            return REPLY_STATUS[cls]
    return 500, "Something went wrong"


def _page(status: int, title: str, message: str, code: str,
          details: str = "", label: str | None = None) -> tuple[str, int]:
    g.error_code = label or code  # for the launches metric (plugin/web/ops_routes.py)
    ERRORS.labels(label or code).inc()
    handle = (request.view_args or {}).get("handle") if request.path.startswith("/panel/") \
        else None
    back = url_for("panel.panel", handle=str(handle)) if handle and request.endpoint not in (
        "panel.panel",) else None  # under the path prefix too (X-Forwarded-Prefix)
    return render_template("error.html", title=title, message=message, code=code,
                           details=details, back=back), status


def _domain(err: Exception) -> tuple[str, int]:
    """Our status and title (REPLY_STATUS), the clinician's sentence and the IT details
    (plugin/web/plain_words.py); the error's own code and message go to the log only as code."""
    status, title = reply_for(err)
    code = str(getattr(err, "code", "error"))
    label = remote_error_label(code) if isinstance(err, REMOTE_CODES) else code
    words = plain_words.error_words(err)
    audit_refusal(services().auditor, label, status)
    if code in TLS_UNTRUSTED:
        log.warning("request failed: %s (%s): an EHR's TLS certificate could not be verified. "
                    "%s", label, type(err).__name__, CA_BUNDLE_HINT)
    elif status >= 500 or isinstance(err, (FhirError, SmartLaunchError)):
        log.warning("request failed: %s (%s)", label, type(err).__name__)
    else:
        log.info("refused: %s", label)
    return _page(status, title, words.sentence, code, words.details, label)


def _http(err: HTTPException) -> tuple[str, int]:
    title, sentence, details = plain_words.http_words(err)
    return _page(err.code or 500, title, sentence, f"web.http_{err.code}", details)


def init_app(app: Flask) -> None:
    for root in ROOTS:
        app.register_error_handler(root, _domain)
    app.register_error_handler(HTTPException, _http)
