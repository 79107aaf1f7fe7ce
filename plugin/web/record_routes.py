"""Recording routes of one launch: the forms, a rating typed by the clinician, stored records.

    GET       /panel/<h>/record                          the forms on offer for this session
    GET/POST  /panel/<h>/record/<questionnaire_id>       a rating typed by the clinician
    POST      /panel/<h>/record/<questionnaire_id>/draft the answers typed so far (a draft)
    GET       /panel/<h>/responses/<qr_id>               a record: answers, scores, versions
    GET/POST  /panel/<h>/responses/<qr_id>/correct       a new version, status amended
    GET/POST  /panel/<h>/responses/<qr_id>/entered-in-error   confirm, then mark

The client hand-off is in handoff_routes.py. Every POST checks the CSRF token; a failed check
or a failed save re-renders the form with what was typed.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for

from plugin.alliance import AllianceError, shipped_norms
from plugin.fhir.errors import FhirError, RecordError
from plugin.fhir.url_safety import FHIR_ID
from plugin.launch.errors import LaunchExpired
from plugin.panel.view import caveats_of
from plugin.recording.answers import form_fields, raw_from_answers, read_answers
from plugin.recording.catalogue import RecordForm
from plugin.recording.errors import RecordingRefused
from plugin.recording.records import (
    StoredRecord,
    correct_record,
    mark_entered_in_error,
    read_record,
)
from plugin.recording.saving import SaveOutcome, slot_of
from plugin.web import plain_words
from plugin.web.audit_hooks import audit_panel_view, audit_write
from plugin.web.csrf import check_csrf, csrf_token
from plugin.web.current import CurrentLaunch, current_launch
from plugin.web.draft_keeping import keep_draft, late_keep
from plugin.web.names import practitioner_names, session_names
from plugin.web.record_pages import (
    Page,
    draft_owner,
    failure_message,
    form_page,
    outcome_of,
    practitioner,
    ref,
    render,
    session_refs,
    submit,
    who,
)
from plugin.web.services import services
from plugin.wording import record as record_words

bp = Blueprint("record", __name__)


@bp.app_template_global("csrf_token")
def _csrf_token(handle: str) -> str:
    return csrf_token(handle)


# -- the forms on offer ------------------------------------------------------------------------
@bp.get("/panel/<handle>/record")
def choose(handle: str) -> Page:
    launch = current_launch(handle)
    # The commonest action first: the therapist's own rating, then the client's forms.
    forms = sorted(services().catalogue.offered(), key=lambda f: f.rater != "therapist")
    return render("record/choose.html", handle=handle, forms=forms,
                   names=session_names(launch),
                   has_session=bool(launch.context.encounter and launch.context.patient),
                   where=plain_words.store_note(launch.records),
                   where_details=plain_words.store_details(launch.records))


@bp.route("/panel/<handle>/record/<questionnaire_id>", methods=["GET", "POST"])
def record(handle: str, questionnaire_id: str) -> Page:
    try:
        launch = current_launch(handle)
    except LaunchExpired as expired:
        if request.method != "POST":
            raise
        return _expired_save(handle, questionnaire_id, expired)
    form = services().catalogue.form(questionnaire_id)
    patient, encounter = session_refs(launch)
    if form.rater == "therapist":
        author, enterer = practitioner(launch), None
    else:  # a client's paper form typed in by the clinician
        author, enterer = patient, ref(launch, launch.practitioner)
    action = url_for("record.record", handle=handle, questionnaire_id=questionnaire_id)
    mode = "transcription" if form.transcription else form.rater
    if request.method == "GET":
        return _new_form(launch, form, action=action, mode=mode)
    check_csrf(handle)
    return submit(launch, form, action=action, mode=mode, patient=patient,
                   encounter=encounter, author=author, enterer=enterer,
                   on_saved=lambda qr_id: _saved(launch, qr_id, redirect(
                       url_for("panel.panel", handle=handle, saved=qr_id), code=303)))


def _saved(launch: CurrentLaunch, qr_id: str, page: Page) -> Page:
    audit_write(services().auditor, launch, "create", [f"QuestionnaireResponse/{qr_id}"])
    return page


def _new_form(launch: CurrentLaunch, form: RecordForm, *, action: str, mode: str) -> Page:
    """A blank form; or the rating already stored for this session, opened as a correction;
    or the panel, when that rating is still queued; with the clinician's own draft restored."""
    saving = services().saving
    slot = slot_of(launch.records, who(launch), form.rater, str(form.questionnaire.get("url")))
    existing = saving.existing(launch.records, slot)
    if existing is not None and existing.qr_id:
        to = "record.response" if form.rater == "client" else "record.correct"
        return redirect(url_for(to, handle=launch.handle, qr_id=existing.qr_id, existing=1),
                        code=303)
    if existing is not None:
        return redirect(url_for("panel.panel", handle=launch.handle,
                                queued=existing.submission_id), code=303)
    owner = draft_owner(launch, form)
    raw = (saving.drafts.restore(owner) or {}) if owner else {}
    if owner is not None:
        keep_draft(owner, launch, {})  # a late save can find the draft
    notice = record_words.DRAFT_RESTORED if raw else ""
    draft_url = url_for("record.draft", handle=launch.handle, questionnaire_id=form.id)
    return form_page(launch.handle, form, action=action, mode=mode, raw=raw, errors={},
                     submission_id=str(uuid.uuid4()), notice=notice,
                     draft_url=draft_url if owner else "", names=session_names(launch))


def _expired_save(handle: str, questionnaire_id: str, expired: LaunchExpired) -> Page:
    """A save that arrives after the launch ended: nothing is saved, what was typed is kept
    in the clinician's draft (from the launch's own browser, through a handle that was not
    rotated out), and the page says how to carry on."""
    check_csrf(handle)
    kept = late_keep(handle, questionnaire_id, expired)
    hours = int(services().saving.drafts.ttl // 3600)
    return render("record/expired.html", 403, kept=kept, hours=hours)


@bp.post("/panel/<handle>/record/<questionnaire_id>/draft")
def draft(handle: str, questionnaire_id: str) -> Page:
    """What the form sends as the clinician types (static/draft.js): kept, never shown to
    anyone but that clinician on that session."""
    check_csrf(handle)
    try:
        launch = current_launch(handle)
    except LaunchExpired as expired:
        late_keep(handle, questionnaire_id, expired)  # another browser's launch: refused
        return "", 204
    owner = draft_owner(launch, services().catalogue.form(questionnaire_id))
    if owner is not None:
        keep_draft(owner, launch, request.form.to_dict())
    return "", 204


# -- stored records ----------------------------------------------------------------------------
def _record(launch: CurrentLaunch, qr_id: str) -> StoredRecord:
    if not FHIR_ID.fullmatch(qr_id):  # `x?subject=...` must not become a search
        abort(404, record_words.RATING_NOT_FOUND)
    record = read_record(launch.records, services().catalogue, qr_id)
    target = f"QuestionnaireResponse/{qr_id}"
    base = launch.records.client.base_url
    audit_panel_view(services().auditor, launch, [
        (base, target), (base, f"{target}/_history"),
        (base, f"Observation?derived-from={target}"), (base, f"Provenance?target={target}")])
    patient = launch.context.patient
    if not patient or record.subject != launch.records.ref("Patient", patient):
        abort(404, record_words.OTHER_PATIENTS)
    return record


@bp.get("/panel/<handle>/responses/<qr_id>")
def response(handle: str, qr_id: str) -> Page:
    launch = current_launch(handle)
    record = _record(launch, qr_id)
    labels = {f.link_id: f for f in form_fields(record.form.display)}
    agents = [str((a.get("who") or {}).get("reference") or "")
              for p in record.provenance for a in p.get("agent") or []]
    norms = services().settings.norms or shipped_norms()
    caveat = caveats_of(norms).get(record.form.instrument.url)
    return render("record/response.html", handle=handle, record=record, labels=labels,
                   saved=request.args.get("saved"), caveat=caveat,
                   existing=bool(request.args.get("existing")),
                   names=practitioner_names(launch, [a for a in agents if a]))


@bp.route("/panel/<handle>/responses/<qr_id>/correct", methods=["GET", "POST"])
def correct(handle: str, qr_id: str) -> Page:
    launch = current_launch(handle)
    record = _record(launch, qr_id)
    action = url_for("record.correct", handle=handle, qr_id=qr_id)
    page: dict[str, Any] = {"action": action, "mode": "correct", "record": record}
    if record.status == "entered-in-error":
        raise RecordingRefused(record_words.REMOVED_NOT_CORRECTED,
                               code="recording.entered_in_error")
    if record.rater == "client":
        raise RecordingRefused(record_words.CLIENTS_ANSWERS, code="recording.clients_answers")
    stored_raw = raw_from_answers(record.form.display, record.answers)
    if request.method == "GET":
        notice = record_words.OPENS_AS_CORRECTION if request.args.get("existing") else ""
        return form_page(handle, record.form, raw=stored_raw, errors={}, notice=notice,
                          version=record.version, **page)
    check_csrf(handle)
    author = practitioner(launch)
    version = request.form.get("version", "") or record.version
    read = read_answers(record.form.display, request.form, reason=True)
    if not read.ok:
        return form_page(handle, record.form, raw=read.raw, errors=read.errors,
                          version=version, status=422, outcome="invalid", **page)
    if raw_from_answers(record.form.display, read.answers) == stored_raw:
        return form_page(handle, record.form, raw=read.raw, errors={}, version=version,
                          status=422, outcome="unchanged", **page,
                          message=record_words.UNCHANGED)
    try:
        outcome = correct_record(
            services().saving, launch.records, who(launch), record, read.answers,
            version=version, corrector=author, reason=read.reason,
            organization=launch.settings.organization, now=services().now)
    except (AllianceError, RecordError) as err:  # before FhirError: RecordError is one
        return form_page(handle, record.form, raw=read.raw, errors={}, version=version,
                          message=plain_words.not_recorded(), outcome="refused",
                          details=plain_words.it_details(err), status=422, **page)
    if outcome.state == "failed":
        error = _failure(outcome)
        message, status = failure_message(error)
        return form_page(handle, record.form, raw=read.raw, errors={}, message=message,
                          details=plain_words.it_details(error), version=version,
                          status=status, outcome=outcome_of(status), **page)
    return _changed(launch, qr_id, outcome, "corrected")


@bp.route("/panel/<handle>/responses/<qr_id>/entered-in-error", methods=["GET", "POST"])
def entered_in_error(handle: str, qr_id: str) -> Page:
    launch = current_launch(handle)
    record = _record(launch, qr_id)
    page: dict[str, Any] = {"handle": handle, "record": record}
    if request.method == "GET" or record.status == "entered-in-error":
        return render("record/entered_in_error.html", errors={}, reason="",
                       version=record.version, message="", **page)
    check_csrf(handle)
    author = practitioner(launch)
    version = request.form.get("version", "") or record.version
    reason = request.form.get("reason", "").strip()
    if not 3 <= len(reason) <= 500:
        return render("record/entered_in_error.html", 422, reason=reason, version=version,
                       errors={"reason": record_words.GIVE_A_REASON}, message="",
                       outcome="invalid", **page)
    outcome = mark_entered_in_error(
        services().saving, launch.records, who(launch), record, version=version, author=author,
        reason=reason, organization=launch.settings.organization, now=services().now)
    if outcome.state == "failed":
        error = _failure(outcome)
        message, status = failure_message(error)
        return render("record/entered_in_error.html", status, reason=reason, version=version,
                       errors={}, message=message, details=plain_words.it_details(error),
                       outcome=outcome_of(status), **page)
    return _changed(launch, qr_id, outcome, "entered-in-error")


def _failure(outcome: SaveOutcome) -> FhirError:
    return outcome.error or FhirError(outcome.reason or record_words.CHANGE_REFUSED)


def _changed(launch: CurrentLaunch, qr_id: str, outcome: SaveOutcome, saved: str) -> Page:
    """Stored: audited, and the record shows its new version. Queued (the server could not
    take it now): the panel says so and lists it until the outbox has sent it (like a queued
    save, it is not audited as a write before it is one)."""
    handle = launch.handle
    if outcome.state == "queued":
        return redirect(url_for("panel.panel", handle=handle, queued=outcome.item_id), code=303)
    audit_write(services().auditor, launch, "update", [f"QuestionnaireResponse/{qr_id}"])
    return redirect(url_for("record.response", handle=handle, qr_id=qr_id, saved=saved),
                    code=303)
