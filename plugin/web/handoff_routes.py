"""The client hand-off: the client answers on the clinician's device, then the screen locks.

    POST      /panel/<h>/handoff/start                   start a hand-off (shows the unlock code)
    GET/POST  /panel/<h>/handoff                         the client's questionnaire, then the lock
    POST      /panel/<h>/handoff/unlock                  the clinician's code ends the hand-off

``handoff_lock(handle)`` is True while a hand-off is active; the guard below sends every other
URL carrying that handle (the panel too) to the hand-off page, so the back button shows nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from plugin.recording.errors import RecordingRefused
from plugin.recording.handoff import Handoffs
from plugin.web.csrf import check_csrf
from plugin.web.current import current_launch
from plugin.web.record_pages import Page, form_page, render, session_refs, submit
from plugin.web.services import services

log = logging.getLogger(__name__)
bp = Blueprint("handoff", __name__)
HANDOFF_ENDPOINTS = frozenset({"handoff.questions", "handoff.unlock"})


def _handoffs() -> Handoffs:
    return services().handoffs


def handoff_lock(handle: str) -> bool:
    """True while a client hand-off is active for this launch: show the lock, not the panel."""
    return _handoffs().locked(handle)


@bp.before_app_request
def _lock_guard() -> Response | None:
    handle = (request.view_args or {}).get("handle")
    if not handle or request.endpoint in HANDOFF_ENDPOINTS or not handoff_lock(str(handle)):
        return None
    return redirect(url_for("handoff.questions", handle=handle), code=303)


@bp.post("/panel/<handle>/handoff/start")
def start(handle: str) -> Page:
    launch = current_launch(handle)
    check_csrf(handle)
    form = services().catalogue.form(request.form.get("questionnaire_id", ""))
    session_refs(launch)
    if not form.hand_off:
        raise RecordingRefused(
            f"{form.title} cannot be handed to the client: it is not a client form with "
            "wording (enter a completed paper form instead).", code="recording.no_handoff")
    code = _handoffs().start(handle, form.id)
    log.info("client hand-off started")
    return render("record/handoff_start.html", handle=handle, form=form,
                   code=f"{code[:3]} {code[3:]}")


@bp.route("/panel/<handle>/handoff", methods=["GET", "POST"])
def questions(handle: str) -> Page:
    handoffs = _handoffs()
    state = handoffs.current(handle)
    if state is None:
        return redirect(url_for("panel.panel", handle=handle), code=303)
    if state.state != "open":
        return render("record/handoff_locked.html", handle=handle, sealed=state.sealed,
                       failed=False)
    launch = current_launch(handle)
    form = services().catalogue.form(state.questionnaire_id)
    action = url_for("handoff.questions", handle=handle)
    if request.method == "GET":
        return form_page(handle, form, action=action, mode="handoff", raw={}, errors={},
                          submission_id=state.submission_id)
    check_csrf(handle)
    patient, encounter = session_refs(launch)

    def saved(qr_id: str) -> Response:
        handoffs.submitted(handle, qr_id)
        return redirect(url_for("handoff.questions", handle=handle), code=303)

    return submit(launch, form, action=action, mode="handoff", patient=patient,
                   encounter=encounter, author=patient, enterer=None, on_saved=saved,
                   fixed_submission_id=state.submission_id)


@bp.post("/panel/<handle>/handoff/unlock")
def unlock(handle: str) -> Page:
    check_csrf(handle)
    handoffs = _handoffs()
    ended = handoffs.unlock(handle, request.form.get("code", ""))
    if ended is not None:
        log.info("client hand-off ended by the clinician")
        params: dict[str, Any] = {"saved": ended.saved} if ended.saved else {}
        return redirect(url_for("panel.panel", handle=handle, **params), code=303)
    state = handoffs.current(handle)
    if state is None:
        return redirect(url_for("panel.panel", handle=handle), code=303)
    return render("record/handoff_locked.html", 403, handle=handle, sealed=state.sealed,
                   failed=True, open=state.state == "open")
