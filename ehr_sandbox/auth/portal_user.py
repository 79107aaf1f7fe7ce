"""Who is signed in to the sandbox's patient portal, as the authorization server sees it.

The portal (ehr_sandbox/chart/portal.py) signs a client in by remembering their Patient id in a
cookie on the sandbox's origin; a real EHR's portal and authorization server share a login the
same way. A standalone launch that reaches /auth/authorize in that browser is offered to the
signed-in client: they confirm themselves, and the grant's user is their Patient with
``launch/patient`` context (views.py).
"""

from __future__ import annotations

from collections.abc import Callable

import flask

PORTAL_COOKIE = "sandbox_portal_patient"


def portal_patient(patients: Callable[[], list[tuple[str, str]]]) -> tuple[str, str] | None:
    """The (id, name) of the client signed in to the portal in this browser, else None (no
    cookie, or a cookie naming nobody the sandbox knows)."""
    wanted = flask.request.cookies.get(PORTAL_COOKIE, "")
    if not wanted:
        return None
    return next(((pid, name) for pid, name in patients() if pid == wanted), None)
