"""CSRF protection without cookies: every form carries a token bound to its launch handle.

The token is an HMAC of the handle under the app's secret key, so it needs no server state and
works in a cross-origin iframe where cookies are blocked. A page from another origin cannot read
the handle's token (same-origin policy), so it cannot forge a POST for that launch. Every POST
under /panel/<handle>/ checks it with ``check_csrf(handle)``.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from werkzeug.exceptions import Forbidden

from plugin.wording import error_pages

FIELD = "csrf_token"


def csrf_token(handle: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"alliance-panel csrf\x00{handle}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(handle: str) -> bool:
    """True when the POST's form carries this launch's token."""
    sent = request.form.get(FIELD, "")
    return bool(sent) and hmac.compare_digest(sent.encode(), csrf_token(handle).encode())


def check_csrf(handle: str) -> None:
    """Refuse (403) a POST whose form lacks this launch's token."""
    if not csrf_ok(handle):
        raise Forbidden(error_pages.FORM_NOT_VERIFIED)
