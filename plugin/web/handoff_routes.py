"""The client hand-off: the client answers with a capability of their own, the chart locks.

    POST      /panel/<h>/handoff/start      start a hand-off: rotate the handle, then the lock page
    GET       /panel/<h>/handoff            the clinician's hand-off page (code and link until the
                                            client opens the questions; then what to do next)
    GET       /panel/<h>/handoff/progress   has the client opened them? (static/handoff.js asks)
    POST      /panel/<h>/handoff/unlock     the clinician's code ends it and rotates the handle
    GET/POST  /handoff/<capability>         the client's questionnaire, nothing else

``handoff_lock(handle)`` is True while a hand-off is active; the guard below sends every other
URL carrying that handle (the panel too) to the hand-off page. The client's pages carry only the
capability (no handle, no link into the panel, no EHR style), and it dies once they send.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from plugin.recording.errors import RecordingRefused
from plugin.recording.handoff import Handoff, Handoffs, session_key
from plugin.recording.outbox import Outbox
from plugin.web.csrf import check_csrf
from plugin.web.current import current_launch
from plugin.web.record_pages import Page, form_page, render, session_refs, submit
from plugin.web.security import browser_key
from plugin.web.services import services
from plugin.wording import client as client_words
from smart_launch import LaunchContext

log = logging.getLogger(__name__)
bp = Blueprint("handoff", __name__)
HANDOFF_ENDPOINTS = frozenset({"handoff.status", "handoff.unlock", "handoff.progress"})


def _handoffs() -> Handoffs:
    return services().handoffs


def _remaining(handle: str) -> float:
    return services().launches.remaining(handle)


def session_of(context: LaunchContext) -> str | None:
    """The session a launch is for (EHR, signed-in user, patient, encounter), as one key."""
    return session_key(context.iss, context.fhir_user, context.patient, context.encounter)


def end_open_handoffs(context: LaunchContext) -> None:
    """A launch just completed: the open hand-offs of an earlier launch for the same session
    are closed (plugin/recording/handoff.py); their client links stop taking answers."""
    if _handoffs().end_for_session(session_of(context), _remaining):
        log.info("open client hand-off closed by a new launch for the session")


def handoff_lock(handle: str) -> bool:
    """True while a client hand-off is active for this launch: show the lock, not the panel."""
    return _handoffs().locked(handle)


@bp.before_app_request
def _lock_guard() -> Response | None:
    handle = (request.view_args or {}).get("handle")
    if not handle or request.endpoint in HANDOFF_ENDPOINTS or not handoff_lock(str(handle)):
        return None
    return redirect(url_for("handoff.status", handle=handle), code=303)


@bp.post("/panel/<handle>/handoff/start")
def start(handle: str) -> Page:
    launch = current_launch(handle)
    check_csrf(handle)
    form = services().catalogue.form(request.form.get("questionnaire_id", ""))
    session_refs(launch)
    if not form.hand_off:
        raise RecordingRefused(client_words.not_for_client(form.title, handed=True),
                               code="recording.no_handoff")
    new = services().launches.rotate(handle, browser_key(request))
    services().saving.outbox.rehome(handle, new)
    _handoffs().start(new, form.id, _remaining(new), session_of(launch.context))
    log.info("client hand-off started")
    return redirect(url_for("handoff.status", handle=new), code=303)


def _status_page(handle: str, status: int = 200, *, failed: bool = False) -> Page:
    current_launch(handle)  # a live launch of this browser, or LaunchExpired
    state = _handoffs().current(handle)
    if state is None:
        return redirect(url_for("panel.panel", handle=handle), code=303)
    form = services().catalogue.form(state.questionnaire_id)
    showing = state.state == "open" and not state.client_has_it and not state.sealed
    code = state.code or ""
    return render(
        "record/handoff_status.html", status, handle=handle, form=form, state=state,
        failed=failed, code=f"{code[:3]} {code[3:]}" if showing else None,
        client_url=url_for("handoff.client", capability=state.capability) if showing else None,
        here_url=url_for("handoff.client", capability=state.capability, here=1)
        if showing else None,
        poll=url_for("handoff.progress", handle=handle) if showing else None)


@bp.get("/panel/<handle>/handoff")
def status(handle: str) -> Page:
    return _status_page(handle)


@bp.get("/panel/<handle>/handoff/progress")
def progress(handle: str) -> Response:
    """For static/handoff.js on the chart's hand-off page: has the client opened the questions
    yet? (Then the page reloads and the code is gone.) Says nothing else."""
    current_launch(handle)
    state = _handoffs().current(handle)
    return jsonify(client_has_it=state is None or state.client_has_it)


@bp.post("/panel/<handle>/handoff/unlock")
def unlock(handle: str) -> Page:
    current_launch(handle)  # the launch must be live and this browser's
    check_csrf(handle)
    ended = _handoffs().unlock(handle, request.form.get("code", ""), _remaining(handle))
    if ended is not None:
        new = services().launches.rotate(handle, browser_key(request))
        outbox = services().saving.outbox
        outbox.rehome(handle, new)  # the client's answers, if queued, go on with the launch
        log.info("client hand-off ended by the clinician")
        return redirect(url_for("panel.panel", handle=new, **_outcome(ended, outbox)), code=303)
    return _status_page(handle, 403, failed=True)


def _outcome(ended: Handoff, outbox: Outbox) -> dict[str, Any]:
    """What the panel tells the clinician about the client's answers: stored ("saved"), or
    waiting in the outbox ("queued", listed as the client's answers until stored)."""
    if ended.saved:
        return {"saved": ended.saved}
    item = outbox.get(ended.submission_id) if ended.state == "submitted" else None
    if item is None:
        return {}
    if item["state"] == "sent":
        return {"saved": item.get("qr_id") or ended.submission_id}
    return {"queued": ended.submission_id}


@bp.route("/handoff/<capability>", methods=["GET", "POST"])
def client(capability: str) -> Page:
    handoffs = _handoffs()
    found = handoffs.for_client(capability)
    if found is None:  # sent, ended, or closed by a new launch for the session (nothing kept)
        return render("record/handoff_closed.html", 410,
                      unsent=handoffs.closed_before_sent(capability))
    handle, state = found
    context = services().launches.context_for_handoff(handle)
    launch = current_launch(handle, context=context)
    form = services().catalogue.form(state.questionnaire_id)
    here = request.args.get("here") == "1"
    action = (url_for("handoff.client", capability=capability, here=1) if here
              else url_for("handoff.client", capability=capability))
    if request.method == "GET":
        handoffs.client_opened(handle, _remaining(handle))
        return form_page(capability, form, action=action, mode="handoff", raw={}, errors={},
                         submission_id=state.submission_id)
    check_csrf(capability)
    patient, encounter = session_refs(launch)

    def saved(qr_id: str) -> Page:
        handoffs.submitted(handle, capability, qr_id, _remaining(handle))
        log.info("client hand-off questionnaire sent")
        if here:  # inside the chart's frame: the frame shows the clinician's lock page
            return redirect(url_for("handoff.status", handle=handle), code=303)
        return render("record/handoff_closed.html", 200, sent=True, stored=bool(qr_id))

    return submit(launch, form, action=action, mode="handoff", patient=patient,
                  encounter=encounter, author=patient, enterer=None, on_saved=saved,
                  fixed_submission_id=state.submission_id, page_key=capability)
