"""The pieces every recording page shares: the references a record is written with, the
form page, and one submission turned into one save through the outbox (or a page that keeps
what was typed). Used by record_routes.py and handoff_routes.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any, Literal

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from plugin.alliance import AllianceError
from plugin.fhir.errors import FhirError, RecordError
from plugin.fhir.record_bundles import build_submission_bundle
from plugin.ops.metrics import SAVES
from plugin.recording.answers import form_fields, read_answers, submission_id_from
from plugin.recording.catalogue import RecordForm
from plugin.recording.drafts import DraftOwner
from plugin.recording.errors import RecordingRefused
from plugin.recording.saving import SaveOutcome, Who
from plugin.recording.submission import new_submission
from plugin.web import plain_words
from plugin.web.audit_hooks import audit_refusal
from plugin.web.current import CurrentLaunch
from plugin.web.draft_keeping import keep_draft
from plugin.web.services import services
from plugin.wording import day
from plugin.wording import record as record_words

log = logging.getLogger(__name__)
Page = ResponseReturnValue
# What a page after a change says happened, as data on its <main data-outcome="...">, for the
# harnesses (tests/support/fault_clinic.py) rather than the clinician's sentences: saved and
# queued reach the panel; taken (the session is already rated on this form), conflict (the
# rating changed meanwhile, or another window's mark), refused (nothing was saved), invalid
# (answers to fix), unchanged (a correction identical to the stored answers); error pages
# say "error".
Outcome = Literal["saved", "queued", "taken", "conflict", "refused", "invalid", "unchanged",
                  "error"]
# How a client's answers came, by the page's mode (or the origin a caller names)
CHANNEL_OF = {"link": "link", "portal": "portal", "handoff": "handoff", "client": "paper",
              "transcription": "paper"}


def ref(launch: CurrentLaunch, reference: str | None) -> str | None:
    if not reference:
        return None
    rtype, rid = reference.split("/", 1)
    return launch.records.ref(rtype, rid)


def practitioner(launch: CurrentLaunch) -> str:
    author = ref(launch, launch.practitioner)
    if not author:
        raise RecordingRefused(
            "The EHR did not say which practitioner is signed in (no fhirUser), so the record "
            "would have no author. Launch the app again as a practitioner.",
            code="recording.no_author")
    return author


def session_refs(launch: CurrentLaunch) -> tuple[str, str]:
    """The patient and the session (encounter) in context, as references for the store."""
    context = launch.context
    if not context.patient or not context.encounter:
        raise RecordingRefused(
            "No session is in context: the EHR launched the app without an encounter, so a "
            "rating cannot be tied to a session. Launch the app from the session in the chart.",
            code="recording.no_encounter")
    return launch.records.ref("Patient", context.patient), launch.records.ref(
        "Encounter", context.encounter)


def outcome_of(status: int) -> Outcome:
    """A page's outcome after a change the EHR did not store, from the status it is sent with."""
    return "conflict" if status == 409 else "refused"


def failure_message(err: FhirError, *, client: bool = False) -> tuple[str, int]:
    """The page's sentence (plugin/web/plain_words.py) and our status for a change the EHR did
    not store; the error's code goes to the log and the audit trail."""
    message, status = plain_words.save_failed(err, client=client)
    log.warning("save refused: %s (upstream %s)", err.code, err.upstream_status)
    audit_refusal(services().auditor, err.code, status if status < 500 else 502)
    return message, status


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def form_page(handle: str, form: RecordForm, *, action: str, mode: str, raw: dict[str, str],
               errors: dict[str, str], submission_id: str = "", message: str = "",
               status: int = 200, **extra: Any) -> tuple[str, int]:
    fields = form_fields(form.display)
    return render(
        "record/form.html", status, handle=handle, form=form, fields=fields,
        fields_by_name={f.name: f for f in fields}, raw=raw, errors=errors, action=action,
        mode=mode, submission_id=submission_id, message=message, **extra)


def who(launch: CurrentLaunch) -> Who:
    context = launch.context
    return Who(context.iss, launch.handle, launch.practitioner, context.patient or "",
               context.encounter or "")


def draft_owner(launch: CurrentLaunch, form: RecordForm) -> DraftOwner | None:
    """Whose draft a clinician's form keeps (none without a signed-in practitioner)."""
    context = launch.context
    if not launch.practitioner or not context.patient or not context.encounter:
        return None
    return DraftOwner(context.iss, launch.practitioner, context.patient, context.encounter,
                      form.id)


def taken_message(outcome: SaveOutcome, form: RecordForm, *, client: bool = False) -> str:
    existing = outcome.existing
    return record_words.already_rated(
        form.rater, queued=existing is not None and existing.queued,
        when=day(existing.authored) if existing and existing.authored else "",
        client_page=client)


def submit(launch: CurrentLaunch, form: RecordForm, *, action: str, mode: str, patient: str,
            encounter: str, author: str, enterer: str | None, on_saved: Callable[[str], Page],
            fixed_submission_id: str | None = None, page_key: str | None = None,
            origin: str | None = None, on_taken: Callable[[], Page] | None = None,
            page_extra: dict[str, Any] | None = None) -> Page:
    """Read the posted answers and save them: one rating per session, rater and form, written
    to the outbox first. The clinician is told what happened (plugin/web/plain_words.py):
    saved, queued (kept, sent when the EHR takes it), already rated, or refused; a page that
    did not save keeps what was typed, and a clinician's typed answers are kept as a draft
    whatever happens. `page_key`: what the page is keyed by when it is not the launch's
    handle (a client capability), for its CSRF token; the handle never reaches that page.
    `origin`: whose hands the answers came through, when not the mode's ("link").
    `on_taken`: the page when the session already has this rating (a client on their own
    device has nothing left to do); `page_extra`: more for the form page's template."""
    handle = page_key or launch.handle
    client = page_key is not None  # the client's own page: never a clinician's detail
    read = read_answers(form.display, request.form)
    submission_id = fixed_submission_id or submission_id_from(request.form)
    errors = dict(read.errors)
    if submission_id is None:  # a stale or altered page: keep the answers, start a fresh id
        submission_id = str(uuid.uuid4())
        errors.setdefault("submission_id", record_words.FORM_INCOMPLETE)
    page: dict[str, Any] = {"handle": handle, "form": form, "action": action, "mode": mode,
                            "raw": read.raw, "submission_id": submission_id,
                            **(page_extra or {})}
    saving = services().saving
    owner = draft_owner(launch, form) if mode != "handoff" else None
    if owner is not None:  # what was typed is kept, whatever happens next
        keep_draft(owner, launch, request.form.to_dict())
    if errors:
        return form_page(errors=errors, status=422, outcome="invalid", **page)
    try:
        submission = new_submission(
            form, read.answers, patient=patient, encounter=encounter, author=author,
            enterer=enterer, submission_id=submission_id,
            organization=launch.settings.organization, now=services().now,
            channel=CHANNEL_OF.get(origin or mode))
        outcome = saving.save(launch.records, who(launch), build_submission_bundle(submission),
                              rater=form.rater,
                              questionnaire_url=str(form.questionnaire.get("url")),
                              submission_id=submission_id, draft=owner,
                              origin=origin or ("handoff" if mode == "handoff" else "clinician"))
    except (AllianceError, RecordError) as err:  # before FhirError: RecordError is one
        log.warning("answers not recorded: %s", err.code)
        return form_page(errors={}, message=plain_words.not_recorded(client=client),
                          details=None if client else plain_words.for_it(err.code),
                          status=422, outcome="refused", **page)
    SAVES.labels(outcome.state).inc()
    if outcome.state == "conflict":  # the id is another launch's: a fresh one, nothing lost
        page["submission_id"] = str(uuid.uuid4())
        return form_page(errors={}, message=plain_words.submission_conflict(client=client),
                          status=409, outcome="conflict", **page)
    if outcome.state == "taken":
        if on_taken is not None:
            return on_taken()
        return form_page(errors={}, message=taken_message(outcome, form, client=client),
                          status=409, outcome="taken",
                          existing=outcome.existing if not client else None, **page)
    if outcome.state == "failed":
        message, status = plain_words.save_failed(None, client=client)
        return form_page(errors={}, status=status, message=message, outcome=outcome_of(status),
                          **page,
                          details=None if client else plain_words.for_it(outcome.reason))
    if outcome.state == "queued":
        if client:  # a client's window: never the panel; the answers are kept
            return on_saved("")
        return redirect(url_for("panel.panel", handle=handle, queued=submission_id), code=303)
    return on_saved(str(outcome.qr_id))
