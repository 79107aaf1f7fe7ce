"""The pieces every recording page shares: the references a record is written with, the
form page, and one submission turned into one saved transaction (or a page that keeps what
was typed). Used by record_routes.py and handoff_routes.py."""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from typing import Any

from flask import render_template, request
from werkzeug.wrappers import Response

from plugin import APP_NAME, __version__
from plugin.alliance import AllianceError as DomainError
from plugin.fhir.errors import FhirAuthError, FhirConflict, FhirError, FhirTransportError
from plugin.fhir.record_bundles import Submission
from plugin.fhir.record_errors import RecordError
from plugin.recording.answers import form_fields, read_answers, submission_id_from
from plugin.recording.catalogue import RecordForm, RecordingRefused
from plugin.recording.records import save_submission
from plugin.web.current import CurrentLaunch, extension

log = logging.getLogger(__name__)
Page = str | tuple[str, int] | Response


def now() -> datetime.datetime:
    clock = extension().get("clock", time.time)
    return datetime.datetime.fromtimestamp(clock(), datetime.UTC)


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
            "would have no author. Launch the app again as a practitioner.", code="no_author")
    return author


def session_refs(launch: CurrentLaunch) -> tuple[str, str]:
    """The patient and the session (encounter) in context, as references for the store."""
    context = launch.context
    if not context.patient or not context.encounter:
        raise RecordingRefused(
            "No session is in context: the EHR launched the app without an encounter, so a "
            "rating cannot be tied to a session. Launch the app from the session in the chart.",
            code="no_encounter")
    return launch.records.ref("Patient", context.patient), launch.records.ref(
        "Encounter", context.encounter)


def failure_message(err: FhirError) -> tuple[str, int]:
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


def submit(launch: CurrentLaunch, form: RecordForm, *, action: str, mode: str, patient: str,
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
        return form_page(errors=errors, status=422, **page)
    submission = Submission(
        questionnaire=form.questionnaire, answers=read.answers, rater=form.rater,
        patient=patient, encounter=encounter, author=author, authored=now(),
        submission_id=submission_id, app_name=APP_NAME, app_version=__version__,
        organization=launch.settings.organization, source=author)
    try:
        saved = save_submission(launch.records, submission, enterer=enterer)
    except FhirError as err:
        log.warning("saving a response failed: %s (%s)", err.code, err.status)
        message, status = failure_message(err)
        return form_page(errors={}, message=message, status=status, **page)
    except (DomainError, RecordError) as err:
        return form_page(errors={}, message=f"The answers could not be recorded: "
                          f"{err.message}", status=422, **page)
    return on_saved(saved.qr_id)  # type: ignore[no-any-return]
