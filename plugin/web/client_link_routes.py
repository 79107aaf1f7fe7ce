"""A client's one-time link: the client answers on their own phone (see
plugin/recording/client_links.py).

    POST      /panel/<h>/links            make a link for the session in context and a client
                                          form (replacing one still waiting), then redirect
    GET       /panel/<h>/links/<form>     the new link, once, as text and QR code; after that
                                          (a reload) the link's state and a button for a new one
    GET/POST  /answer/<capability>        the client's form for that session, nothing else

The client's pages carry only the capability: no handle, no link into the panel, no EHR style,
no score. The answers are written to the EHR's companion record store with the app's own
backend-services token (``RecordStores.backend_store``), never a clinician's token, through the
same outbox, one-rating rule and submission id as every other rating; their AuditEvents name
the patient as the user. An EHR without backend-services access gets no links (``links_refused``
says why). Responses carry ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``
(plugin/web/security.py, for every URL with a capability), and log lines lose the capability
(plugin/web/log_redaction.py).
"""

from __future__ import annotations

import datetime
import logging

from flask import Blueprint, g, redirect, request, url_for

from plugin.fhir.stores import RecordStore
from plugin.recording.catalogue import RecordForm
from plugin.recording.client_links import ClientLink, ClientLinks, digest
from plugin.recording.errors import RecordingRefused
from plugin.recording.one_rating import Slot
from plugin.web.audit_hooks import audit_panel_view, audit_write
from plugin.web.csrf import check_csrf, csrf_ok
from plugin.web.current import CurrentLaunch, current_launch
from plugin.web.names import session_names
from plugin.web.qr import qr_svg
from plugin.web.record_pages import Page, form_page, render, session_refs, submit
from plugin.web.services import services
from plugin.wording import client as client_words
from plugin.wording import moment
from smart_launch import LaunchContext

log = logging.getLogger(__name__)
bp = Blueprint("client_link", __name__)


def _links() -> ClientLinks:
    return services().client_links


def links_refused(launch: CurrentLaunch) -> str | None:
    """Why this launch's session cannot have client links, in the clinician's words; None
    when it can (a session in context, its EHR's records in a store the app reaches itself)."""
    context = launch.context
    if not context.patient or not context.encounter:
        return client_words.LINKS_NEED_SESSION
    if (launch.records.where != "companion"
            or services().record_stores.backend_store(context.iss) is None):
        return client_words.LINKS_OFF
    return None


def session_links(launch: CurrentLaunch) -> list[ClientLink]:
    """The links made for the session in context (waiting, used or expired), oldest first."""
    context = launch.context
    if not context.patient or not context.encounter:
        return []
    return _links().for_session(context.iss, context.patient, context.encounter)


def _link_form(launch: CurrentLaunch, questionnaire_id: str) -> RecordForm:
    """The client form a link may open for this launch's session; refused in plain words."""
    form = services().catalogue.form(questionnaire_id)
    session_refs(launch)  # a session in context, or the page says so
    if not form.hand_off:
        raise RecordingRefused(client_words.not_for_client(form.title, handed=False),
                               code="recording.no_link")
    refused = links_refused(launch)
    if refused:
        raise RecordingRefused(refused, code="recording.no_link")
    return form


@bp.post("/panel/<handle>/links")
def make(handle: str) -> Page:
    launch = current_launch(handle)
    check_csrf(handle)
    form = _link_form(launch, request.form.get("questionnaire_id", ""))
    context = launch.context
    hours = services().settings.client_link_hours
    capability = _links().create(iss=context.iss, patient=str(context.patient),
                                 encounter=str(context.encounter), questionnaire_id=form.id,
                                 lifetime=hours * 3600,
                                 session_day=session_names(launch).session_day)
    log.info("client link made")
    shown = _links().seal(capability, handle)
    return redirect(url_for("client_link.made", handle=handle, questionnaire_id=form.id,
                            shown=shown), code=303)


@bp.get("/panel/<handle>/links/<questionnaire_id>")
def made(handle: str, questionnaire_id: str) -> Page:
    """The new link, shown once; on a reload, the state of the session's link for this form."""
    launch = current_launch(handle)
    form = _link_form(launch, questionnaire_id)
    hours = services().settings.client_link_hours
    capability = _links().unseal(request.args.get("shown", ""), handle)
    found = _links().find(capability) if capability else None
    if capability and found is not None:
        link = (f"{services().settings.public_url}"
                f"{url_for('client_link.answer', capability=capability)}")
        return render("client/link_made.html", handle=handle, form=form, link=link,
                      made=found, qr=qr_svg(link, title=client_words.QR_TITLE),
                      hours=hours)
    latest = [one for one in session_links(launch) if one.questionnaire_id == form.id]
    return render("client/link_made.html", handle=handle, form=form, link=None,
                  made=latest[-1] if latest else None, qr=None, hours=hours)


def _store_for(link: ClientLink) -> RecordStore | None:
    return services().record_stores.backend_store(link.iss)


def _launch_for(link: ClientLink, capability: str, store: RecordStore) -> CurrentLaunch:
    """The link's own context: its EHR, client and session; the client as the user. It holds
    no token (``access_token`` names the link's digest, for the audit trail's token id)."""
    context = LaunchContext(iss=link.iss, patient=link.patient, encounter=link.encounter,
                            fhir_user=f"Patient/{link.patient}", need_patient_banner=False,
                            expires_at=link.expires, access_token=digest(capability),
                            token_endpoint="")
    launch = CurrentLaunch(f"link-{digest(capability)[:16]}", context, store.client, store,
                           services().settings)
    g.launch = launch  # a refusal later in this request is audited for the client
    return launch


def _already_answered(link: ClientLink, store: RecordStore, questionnaire_url: str) -> bool:
    slot = Slot(link.iss, store.ref("Patient", link.patient),
                store.ref("Encounter", link.encounter), "client", questionnaire_url)
    return services().saving.existing(store, slot) is not None


@bp.route("/answer/<capability>", methods=["GET", "POST"])
def answer(capability: str) -> Page:
    links = _links()
    link = links.usable(capability)
    if link is None and request.method == "POST" and csrf_ok(capability):
        link = links.usable(capability, late=True)  # a page opened in time sends its answers
    if link is None:  # never made, used, or past its time: the same page, nothing else
        return render("client/closed.html", 410)
    store = _store_for(link)
    if store is None:  # the EHR's companion store is no longer configured
        return render("client/closed.html", 503, unavailable=True)
    form = services().catalogue.form(link.questionnaire_id)
    url = str(form.questionnaire.get("url"))
    action = url_for("client_link.answer", capability=capability)
    launch = _launch_for(link, capability, store)
    patient = store.ref("Patient", link.patient)
    if request.method == "GET":
        answered = _already_answered(link, store, url)  # rated meanwhile (paper, hand-off...)
        audit_panel_view(services().auditor, launch, [  # that search, the client as the user
            (store.client.base_url, f"QuestionnaireResponse?subject={patient}")])
        if answered:
            return render("client/closed.html", 410, answered=True)
        links.opened(capability)
        return form_page(capability, form, action=action, mode="handoff", raw={}, errors={},
                         submission_id=link.submission_id, client_session=session_words(link))
    check_csrf(capability)

    def saved(qr_id: str) -> Page:
        links.used(capability, qr_id)
        if qr_id:
            audit_write(services().auditor, launch, "create", [f"QuestionnaireResponse/{qr_id}"])
        log.info("client link answers sent")
        return render("client/closed.html", 200, sent=True, stored=bool(qr_id))

    return submit(launch, form, action=action, mode="handoff", patient=patient,
                  encounter=store.ref("Encounter", link.encounter), author=patient,
                  enterer=None, on_saved=saved, fixed_submission_id=link.submission_id,
                  page_key=capability, origin="link", on_taken=answered_already,
                  page_extra={"client_session": session_words(link)})


def answered_already() -> Page:
    """The client's page when the session already has these answers (sent from another
    device, typed in from paper): nothing for them to do."""
    return render("client/closed.html", 409, answered=True)


def session_words(link: ClientLink) -> str:
    """The session a client's page asks about, in their words: they answer before or after it."""
    return client_words.session_words(link.session_day)


@bp.app_template_global("client_links_refused")
def _refused_here() -> str | None:
    """For the record page: why the launch of this request cannot make links (None: it can)."""
    launch = g.get("launch")
    return links_refused(launch) if isinstance(launch, CurrentLaunch) else client_words.NO_LAUNCH


@bp.app_template_global("client_links_here")
def _links_here() -> list[ClientLink]:
    """For the panel: the links of the session of this request's launch."""
    launch = g.get("launch")
    return session_links(launch) if isinstance(launch, CurrentLaunch) else []


@bp.app_template_global("link_time")
def link_time(at: float) -> str:
    """A link's moment (made, used, expiring) as 3 Nov 2026, 14:05 (UTC)."""
    return moment(datetime.datetime.fromtimestamp(at, datetime.UTC).isoformat())
