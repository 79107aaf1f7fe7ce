"""The one place that turns an error from any layer into a page a person can read.

There is a handler for the app's one error root (app_errors.AppError: every package's errors,
smart_launch's included) and for werkzeug's HTTP errors, so no domain error reaches a user as a
bare 500. Our reply's status and title come from the one table,
plugin/web/replies.py; the sentence from plugin/web/plain_words.py.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from app_errors import AppError
from plugin.config import CA_BUNDLE_HINT
from plugin.fhir.errors import FhirError
from plugin.ops.metrics import ERRORS, remote_error_label
from plugin.web import plain_words
from plugin.web.audit_hooks import audit_refusal
from plugin.web.replies import reply_for
from plugin.web.services import services
from smart_launch import AuthorizationDenied, SmartLaunchError, TokenRequestError

log = logging.getLogger(__name__)

# errors whose code a remote server chose (an OAuth `error`): metrics and logs see only a
# registered OAuth code or "other" (plugin/ops/metrics.py)
REMOTE_CODES = (AuthorizationDenied, TokenRequestError)


TLS_UNTRUSTED = frozenset({"tls_untrusted", "fhir.tls_untrusted"})  # the operator's CA setting


def _page(status: int, title: str, message: str, code: str,
          details: str = "", label: str | None = None) -> tuple[str, int]:
    g.error_code = label or code  # for the launches metric (plugin/web/ops_routes.py)
    ERRORS.labels(label or code).inc()
    handle = (request.view_args or {}).get("handle") if request.path.startswith("/panel/") \
        else None
    back = url_for("panel.panel", handle=str(handle)) if handle and request.endpoint not in (
        "panel.panel",) else None  # under the path prefix too (X-Forwarded-Prefix)
    return render_template("error.html", title=title, message=message, code=code,
                           details=details, back=back, outcome="error"), status


def _domain(err: AppError) -> tuple[str, int]:
    """Our status and title (plugin/web/replies.py), the clinician's sentence and the IT details
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
    app.register_error_handler(AppError, _domain)
    app.register_error_handler(HTTPException, _http)
