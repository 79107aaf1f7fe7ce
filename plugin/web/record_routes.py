"""Recording routes of one launch: forms, the client hand-off and its lock, stored records.

    GET       /panel/<h>/record                          the forms on offer for this session
    GET/POST  /panel/<h>/record/<questionnaire_id>       a rating typed by the clinician
    POST      /panel/<h>/handoff/start                   start a hand-off (shows the unlock code)
    GET/POST  /panel/<h>/handoff                         the client's questionnaire, then the lock
    POST      /panel/<h>/handoff/unlock                  the clinician's code ends the hand-off
    GET       /panel/<h>/responses/<qr_id>               a record: answers, scores, versions
    GET/POST  /panel/<h>/responses/<qr_id>/correct       a new version, status amended
    GET/POST  /panel/<h>/responses/<qr_id>/entered-in-error   confirm, then mark

``handoff_lock(handle)`` is True while a hand-off is active; the guard below sends every other
URL carrying that handle (the panel too) to the hand-off page. Every POST checks the CSRF token;
a failed check or a failed save re-renders the form with what was typed.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from plugin import APP_NAME, __version__
from plugin.alliance import AllianceError as DomainError
from plugin.fhir.errors import FhirAuthError, FhirConflict, FhirError, FhirTransportError
from plugin.fhir.record_errors import RecordError
from plugin.fhir.records import Submission
from plugin.record_forms import RecordForm, RecordingRefused, offered_forms, record_form
from plugin.recording import (
    StoredRecord,
    correct_record,
    mark_entered_in_error,
    read_record,
    save_submission,
)
from plugin.recording_handoff import Handoffs
from plugin.web.csrf import check_csrf, csrf_token
from plugin.web.current import CurrentLaunch, current_launch, extension
from plugin.web.forms import form_fields, raw_from_answers, read_answers, submission_id_from

log = logging.getLogger(__name__)
bp = Blueprint("record", __name__)
HANDOFF_ENDPOINTS = frozenset({"record.handoff", "record.handoff_unlock"})
Page = str | tuple[str, int] | Response


@bp.app_template_global("csrf_token")
def _csrf_token(handle: str) -> str:
    return csrf_token(handle)


def _handoffs() -> Handoffs:
    ext = extension()
    return Handoffs(ext["launches"].store, str(ext["settings"].secret_key),
                    ext["settings"].session_hours * 3600)


def handoff_lock(handle: str) -> bool:
    """True while a client hand-off is active for this launch: show the lock, not the panel."""
    return _handoffs().locked(handle)


@bp.before_app_request
def _lock_guard() -> Response | None:
    handle = (request.view_args or {}).get("handle")
    if not handle or request.endpoint in HANDOFF_ENDPOINTS or not handoff_lock(str(handle)):
        return None
    return redirect(url_for("record.handoff", handle=handle), code=303)


def _now() -> datetime.datetime:
    clock = extension().get("clock", time.time)
    return datetime.datetime.fromtimestamp(clock(), datetime.UTC)


def _ref(launch: CurrentLaunch, reference: str | None) -> str | None:
    if not reference:
        return None
    rtype, rid = reference.split("/", 1)
    return launch.records.ref(rtype, rid)


def _practitioner(launch: CurrentLaunch) -> str:
    author = _ref(launch, launch.practitioner)
    if not author:
        raise RecordingRefused(
            "The EHR did not say which practitioner is signed in (no fhirUser), so the record "
            "would have no author. Launch the app again as a practitioner.", code="no_author")
    return author


def _session(launch: CurrentLaunch) -> tuple[str, str]:
    """The patient and the session (encounter) in context, as references for the store."""
    context = launch.context
    if not context.patient or not context.encounter:
        raise RecordingRefused(
            "No session is in context: the EHR launched the app without an encounter, so a "
            "rating cannot be tied to a session. Launch the app from the session in the chart.",
            code="no_encounter")
    return launch.records.ref("Patient", context.patient), launch.records.ref(
        "Encounter", context.encounter)


def _failure_message(err: FhirError) -> tuple[str, int]:
    if isinstance(err, FhirTransportError):
        text = "The FHIR server could not be reached."
    elif isinstance(err, FhirConflict):
        return ("Nothing was saved: this record was changed since the form was opened (perhaps "
                "it was already saved). Open the record again to see its current version; "
                "your answers are still on this page.", 409)
    elif isinstance(err, FhirAuthError):
        text = "The FHIR server did not allow the app to save records."
    else:
        text = f"The FHIR server refused the record ({err.message})."
    return f"{text} Nothing was saved; your answers are still on this page. Try again.", 502


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _form_page(handle: str, form: RecordForm, *, action: str, mode: str, raw: dict[str, str],
               errors: dict[str, str], submission_id: str = "", message: str = "",
               status: int = 200, **extra: Any) -> tuple[str, int]:
    fields = form_fields(form.display)
    return _render(
        "record/form.html", status, handle=handle, form=form, fields=fields,
        fields_by_name={f.name: f for f in fields}, raw=raw, errors=errors, action=action,
        mode=mode, submission_id=submission_id, message=message, **extra)


# -- the forms on offer ------------------------------------------------------------------------
@bp.get("/panel/<handle>/record")
def choose(handle: str) -> Page:
    launch = current_launch(handle)
    forms = offered_forms(launch.settings)
    return _render("record/choose.html", handle=handle, forms=forms,
                   has_session=bool(launch.context.encounter and launch.context.patient),
                   where=launch.records.reason)


@bp.route("/panel/<handle>/record/<questionnaire_id>", methods=["GET", "POST"])
def record(handle: str, questionnaire_id: str) -> Page:
    launch = current_launch(handle)
    form = record_form(launch.settings, questionnaire_id)
    patient, encounter = _session(launch)
    if form.rater == "therapist":
        author, enterer = _practitioner(launch), None
    else:  # a client's paper form typed in by the clinician
        author, enterer = patient, _ref(launch, launch.practitioner)
    action = url_for("record.record", handle=handle, questionnaire_id=questionnaire_id)
    mode = "transcription" if form.transcription else form.rater
    if request.method == "GET":
        return _form_page(handle, form, action=action, mode=mode, raw={}, errors={},
                          submission_id=str(uuid.uuid4()))
    check_csrf(handle)
    return _submit(launch, form, action=action, mode=mode, patient=patient,
                   encounter=encounter, author=author, enterer=enterer,
                   on_saved=lambda qr_id: redirect(
                       url_for("panel.panel", handle=handle, saved=qr_id), code=303))


def _submit(launch: CurrentLaunch, form: RecordForm, *, action: str, mode: str, patient: str,
            encounter: str, author: str, enterer: str | None, on_saved: Any,
            fixed_submission_id: str | None = None) -> Page:
    handle = launch.handle
    read = read_answers(form.display, request.form)
    submission_id = fixed_submission_id or submission_id_from(request.form)
    errors = dict(read.errors)
    if submission_id is None:  # a stale or altered page: keep the answers, start a fresh id
        submission_id = str(uuid.uuid4())
        errors.setdefault("submission_id", "The form was incomplete; check it and send again.")
    page: dict[str, Any] = {"handle": handle, "form": form, "action": action, "mode": mode,
                            "raw": read.raw, "submission_id": submission_id}
    if errors:
        return _form_page(errors=errors, status=422, **page)
    submission = Submission(
        questionnaire=form.questionnaire, answers=read.answers, rater=form.rater,
        patient=patient, encounter=encounter, author=author, authored=_now(),
        submission_id=submission_id, app_name=APP_NAME, app_version=__version__,
        organization=launch.settings.organization, source=author)
    try:
        saved = save_submission(launch.records, submission, enterer=enterer)
    except FhirError as err:
        log.warning("saving a response failed: %s (%s)", err.code, err.status)
        message, status = _failure_message(err)
        return _form_page(errors={}, message=message, status=status, **page)
    except (DomainError, RecordError) as err:
        return _form_page(errors={}, message=f"The answers could not be recorded: "
                          f"{err.message}", status=422, **page)
    return on_saved(saved.qr_id)  # type: ignore[no-any-return]


# -- the client hand-off -----------------------------------------------------------------------
@bp.post("/panel/<handle>/handoff/start")
def handoff_start(handle: str) -> Page:
    launch = current_launch(handle)
    check_csrf(handle)
    form = record_form(launch.settings, request.form.get("questionnaire_id", ""))
    _session(launch)
    if not form.hand_off:
        raise RecordingRefused(
            f"{form.title} cannot be handed to the client: it is not a client form with "
            "wording (enter a completed paper form instead).", code="no_handoff")
    code = _handoffs().start(handle, form.id)
    log.info("client hand-off started")
    return _render("record/handoff_start.html", handle=handle, form=form,
                   code=f"{code[:3]} {code[3:]}")


@bp.route("/panel/<handle>/handoff", methods=["GET", "POST"])
def handoff(handle: str) -> Page:
    handoffs = _handoffs()
    state = handoffs.current(handle)
    if state is None:
        return redirect(url_for("panel.panel", handle=handle), code=303)
    if state.state != "open":
        return _render("record/handoff_locked.html", handle=handle, sealed=state.sealed,
                       failed=False)
    launch = current_launch(handle)
    form = record_form(launch.settings, state.questionnaire_id)
    action = url_for("record.handoff", handle=handle)
    if request.method == "GET":
        return _form_page(handle, form, action=action, mode="handoff", raw={}, errors={},
                          submission_id=state.submission_id)
    check_csrf(handle)
    patient, encounter = _session(launch)

    def saved(qr_id: str) -> Response:
        handoffs.submitted(handle, qr_id)
        return redirect(url_for("record.handoff", handle=handle), code=303)

    return _submit(launch, form, action=action, mode="handoff", patient=patient,
                   encounter=encounter, author=patient, enterer=None, on_saved=saved,
                   fixed_submission_id=state.submission_id)


@bp.post("/panel/<handle>/handoff/unlock")
def handoff_unlock(handle: str) -> Page:
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
    return _render("record/handoff_locked.html", 403, handle=handle, sealed=state.sealed,
                   failed=True, open=state.state == "open")


# -- stored records ----------------------------------------------------------------------------
def _record(launch: CurrentLaunch, qr_id: str) -> StoredRecord:
    record = read_record(launch.records, launch.settings, qr_id)
    patient = launch.context.patient
    if not patient or record.qr.get("subject", {}).get("reference") != launch.records.ref(
            "Patient", patient):
        abort(404, "This record does not belong to the patient of this launch.")
    return record


@bp.get("/panel/<handle>/responses/<qr_id>")
def response(handle: str, qr_id: str) -> Page:
    launch = current_launch(handle)
    record = _record(launch, qr_id)
    labels = {f.link_id: f for f in form_fields(record.form.display)}
    return _render("record/response.html", handle=handle, record=record, labels=labels,
                   saved=request.args.get("saved"))


@bp.route("/panel/<handle>/responses/<qr_id>/correct", methods=["GET", "POST"])
def correct(handle: str, qr_id: str) -> Page:
    launch = current_launch(handle)
    record = _record(launch, qr_id)
    action = url_for("record.correct", handle=handle, qr_id=qr_id)
    page: dict[str, Any] = {"action": action, "mode": "correct", "record": record}
    if record.status == "entered-in-error":
        raise RecordingRefused("This record was marked entered-in-error; it cannot be corrected.",
                               code="entered_in_error")
    if request.method == "GET":
        return _form_page(handle, record.form, raw=raw_from_answers(
            record.form.display, record.answers), errors={}, version=record.version, **page)
    check_csrf(handle)
    author = _practitioner(launch)
    version = request.form.get("version", "") or record.version
    read = read_answers(record.form.display, request.form, reason=True)
    if not read.ok:
        return _form_page(handle, record.form, raw=read.raw, errors=read.errors,
                          version=version, status=422, **page)
    try:
        correct_record(launch.records, launch.settings, record, read.answers,
                       version=version, author=author, reason=read.reason)
    except FhirError as err:
        message, status = _failure_message(err)
        return _form_page(handle, record.form, raw=read.raw, errors={}, message=message,
                          version=version, status=status, **page)
    except (DomainError, RecordError) as err:
        return _form_page(handle, record.form, raw=read.raw, errors={}, version=version,
                          message=f"The answers could not be recorded: {err.message}",
                          status=422, **page)
    return redirect(url_for("record.response", handle=handle, qr_id=qr_id, saved="corrected"),
                    code=303)


@bp.route("/panel/<handle>/responses/<qr_id>/entered-in-error", methods=["GET", "POST"])
def entered_in_error(handle: str, qr_id: str) -> Page:
    launch = current_launch(handle)
    record = _record(launch, qr_id)
    page: dict[str, Any] = {"handle": handle, "record": record}
    if request.method == "GET" or record.status == "entered-in-error":
        return _render("record/entered_in_error.html", errors={}, reason="",
                       version=record.version, message="", **page)
    check_csrf(handle)
    author = _practitioner(launch)
    version = request.form.get("version", "") or record.version
    reason = request.form.get("reason", "").strip()
    if not 3 <= len(reason) <= 500:
        return _render("record/entered_in_error.html", 422, reason=reason, version=version,
                       errors={"reason": "Give a reason of 3 to 500 characters."}, message="",
                       **page)
    try:
        mark_entered_in_error(launch.records, launch.settings, record, version=version,
                              author=author, reason=reason)
    except FhirError as err:
        message, status = _failure_message(err)
        return _render("record/entered_in_error.html", status, reason=reason, version=version,
                       errors={}, message=message, **page)
    return redirect(url_for("record.response", handle=handle, qr_id=qr_id,
                            saved="entered-in-error"), code=303)
