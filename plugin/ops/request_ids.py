"""One id per incoming request, carried into its log lines and onto its outbound calls.

A balancer's `X-Request-Id` is kept when it is short and plain (so one id follows a request
through nginx, the app and the FHIR server's logs); otherwise the app makes one. The id lives
in a context variable, so the threads of a threaded server never see each other's.
"""

from __future__ import annotations

import contextvars
import re
import secrets

HEADER = "X-Request-Id"
_PLAIN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def begin_request(incoming: str | None) -> str:
    """Sets (and returns) the id of the request being served."""
    request_id = incoming if incoming and _PLAIN.match(incoming) else secrets.token_hex(8)
    _current.set(request_id)
    return request_id


def end_request() -> None:
    _current.set(None)


def current_request_id() -> str | None:
    return _current.get()
