"""A client's own launch from their patient portal (issue 25): they answer on their own device.

    GET       /portal/launch?iss=..[&launch=..]  a patient's SMART launch: standalone (the portal
                                    links to the app; ``launch/patient``) or an EHR launch from
                                    the portal; patient-facing scopes (plugin/launch/scopes.py)
    GET       /client/<h>           the forms due for their last or next session, in plain words
    GET/POST  /client/<h>/form/<q>  one form; a thank-you once the answers are stored

/callback sends a launch whose user (fhirUser) is a Patient or RelatedPerson here, never to the
panel, and these pages refuse any other launch (``refuse_clinician_user``): a clinician's token
never opens them, a client's never opens the panel. They show what the link's pages show: the
questions, and that they were received; no score, alert, note or other person's data.

The session is the client's nearest dated session, last or next (plugin/recording/
client_sessions.py), read with their own token; it is worked out again for each request, never
taken from the page, so a forged field cannot point the answers at another client or session.
The answers are written with the client's own token where the EHR keeps the records and the
grant lets them create every record a rating writes, otherwise to the EHR's companion store with
the app's backend-services token, as a link's are (none: the page says it cannot take answers
now). Channel ``portal``; the AuditEvents name the signed-in client as the user.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from plugin.fhir.errors import FhirError
from plugin.fhir.readers import Session, read_encounter
from plugin.fhir.stores import RECORD_TYPES
from plugin.recording.catalogue import RecordForm
from plugin.recording.client_sessions import session_to_answer
from plugin.recording.one_rating import Slot
from plugin.web.audit_hooks import audit_panel_view, audit_write
from plugin.web.client_link_routes import answered_already
from plugin.web.csrf import check_csrf
from plugin.web.current import CurrentLaunch, current_launch, refuse_clinician_user, signed_in
from plugin.web.launch_routes import start_launch
from plugin.web.record_pages import Page, form_page, render, submit
from plugin.web.security import browser_key
from plugin.web.services import services
from plugin.wording import client as client_words
from plugin.wording import day

log = logging.getLogger(__name__)
bp = Blueprint("portal", __name__)


@bp.get("/portal/launch")
def launch() -> Response:
    return start_launch(patient_facing=True)


def _client_launch(handle: str) -> CurrentLaunch:
    context = services().launches.context(handle, browser_key(request))
    refuse_clinician_user(context)
    return current_launch(handle, context=context)


def _session(launch: CurrentLaunch) -> Session | None:
    """The session in the launch's context (an EHR launch for one), else the nearest one."""
    context = launch.context
    wanted = (f"Encounter/{context.encounter}" if context.encounter
              else f"Encounter?patient={context.patient}&_count=200")
    try:
        [found] = launch.ehr.batch([wanted])  # one round trip, the client's own token
    except (FhirError, ValueError) as err:
        log.warning("reading the client's sessions failed: %s", getattr(err, "code", "batch"))
        return None
    entries = ([e.get("resource") or {} for e in found.get("entry") or []]
               if found.get("resourceType") == "Bundle" else [found])
    sessions = [read_encounter(e) for e in entries if e.get("resourceType") == "Encounter"]
    if context.encounter:  # the portal launched the app for this one session
        return next(iter(sessions), None)
    return session_to_answer(sessions, services().now().date())


def _writer(launch: CurrentLaunch, session: Session) -> CurrentLaunch | None:
    """The launch the answers are written through, with the session in its context."""
    context = dataclasses.replace(launch.context, encounter=session.id)
    grant = context.scopes
    if launch.records.where == "ehr" and all(grant.allows(t, "c") for t in RECORD_TYPES):
        return dataclasses.replace(launch, context=context)
    store = services().record_stores.backend_store(context.iss)
    if store is None:
        return None
    return CurrentLaunch(launch.handle, context, store.client, store, launch.settings)


def _due(writer: CurrentLaunch) -> list[RecordForm]:
    """The client forms with wording that this session has no answers to yet."""
    app, store, context = services(), writer.records, writer.context
    patient = store.ref("Patient", str(context.patient))
    audit_panel_view(app.auditor, writer, [
        (store.client.base_url, f"QuestionnaireResponse?subject={patient}")])
    due = []
    for form in app.catalogue.offered():
        slot = Slot(context.iss, patient, store.ref("Encounter", str(context.encounter)),
                    "client", str(form.questionnaire.get("url")))
        if form.hand_off and app.saving.existing(store, slot) is None:
            due.append(form)
    return due


def _words(session: Session) -> str:
    return client_words.session_words(day(session.day))


@bp.get("/client/<handle>")
def home(handle: str) -> Page:
    launch = _client_launch(handle)
    session = _session(launch)
    if session is None:
        return render("client/portal.html", handle=handle, session=None, forms=[])
    writer = _writer(launch, session)
    if writer is None:
        return render("client/closed.html", 503, unavailable=True)
    return render("client/portal.html", handle=handle, session=_words(session),
                  forms=_due(writer))


@bp.route("/client/<handle>/form/<questionnaire_id>", methods=["GET", "POST"])
def answer(handle: str, questionnaire_id: str) -> Page:
    launch = _client_launch(handle)
    session = _session(launch)
    writer = _writer(launch, session) if session is not None else None
    if session is None or writer is None:
        return render("client/closed.html", 503, unavailable=True)
    form = next((f for f in _due(writer) if f.id == questionnaire_id), None)
    if form is None:  # not a client form, or answered already
        return answered_already()
    action = url_for("portal.answer", handle=handle, questionnaire_id=form.id)
    if request.method == "GET":
        return form_page(handle, form, action=action, mode="handoff", raw={}, errors={},
                         submission_id=str(uuid.uuid4()), client_session=_words(session))
    check_csrf(handle)
    store, context = writer.records, writer.context
    patient = store.ref("Patient", str(context.patient))
    user = signed_in(context)
    author = store.ref(*user.split("/", 1)) if user.startswith("RelatedPerson/") else patient

    def saved(qr_id: str) -> Page:
        if qr_id:
            audit_write(services().auditor, writer, "create", [f"QuestionnaireResponse/{qr_id}"])
        log.info("portal answers sent")
        return render("client/closed.html", 200, sent=True, stored=bool(qr_id),
                      more=url_for("portal.home", handle=handle))

    return submit(writer, form, action=action, mode="handoff", patient=patient,
                  encounter=store.ref("Encounter", str(context.encounter)), author=author,
                  enterer=None, on_saved=saved, page_key=handle, origin="portal",
                  on_taken=answered_already, page_extra={"client_session": _words(session)})
