"""The panel page of one launch: /panel/<handle>."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from plugin.launch.scopes import REQUIRED
from plugin.ops.metrics import ALERTS_SHOWN
from plugin.panel.charts import build_trends, table_rows, window, window_responses, window_rows
from plugin.panel.reads import read_panel
from plugin.panel.view import PanelView
from plugin.recording.saving import not_yet_stored
from plugin.web.audit_hooks import audit_panel_view
from plugin.web.current import current_launch
from plugin.web.ehr_style import style_sheet
from plugin.web.security import browser_key
from plugin.web.services import services

bp = Blueprint("panel", __name__)

RECORD_NEEDS = {"QuestionnaireResponse": "cru", "Observation": "cru", "Provenance": "c"}
RECENT_ALERTS = 4  # shown open; older ones fold away so the newest stay visible in a sidebar


@bp.get("/panel/<handle>")
def panel(handle: str) -> str:
    launch = current_launch(handle)
    context = launch.context
    missing = context.scopes.missing(REQUIRED)
    if missing or not context.patient:
        return render_template(
            "degraded.html", missing=missing, no_patient=not context.patient, handle=handle
        )
    outbox = services().saving.outbox
    outbox.adopt(context.iss, launch.practitioner, handle)  # queued saves of ended launches
    before = outbox.unsent_for(context.iss, context.patient)
    reads = read_panel(
        launch.ehr, launch.records, context.patient,
        appointments=context.scopes.allows("Appointment", "s"),
    )
    audit_panel_view(services().auditor, launch, reads.requested)
    # Writing to the EHR needs its write scopes; a companion store uses the app's own token.
    record_missing = context.scopes.missing(RECORD_NEEDS) if launch.records.where == "ehr" else []
    # Each rating once: in the records read, or in the list of those not yet stored.
    unsent = not_yet_stored(before, outbox.unsent_for(context.iss, context.patient),
                            reads.responses)
    queued = next((i for i in unsent if i["id"] == request.args.get("queued")), None)
    today = services().now().date()
    # Scored and alerted once per version of the data read (this process; same view elsewhere)
    view = services().panel_cache.view(handle, reads, context.encounter, today,
                                       services().settings.norms)
    for group in view.alerts:
        ALERTS_SHOWN.labels(group.kind).inc()
    show_all = request.args.get("sessions") == "all"  # the trend's window: recent or all
    kept = services().panel_cache.drawn(handle, view)
    if show_all not in kept:  # the parts drawn from the view alone, once per view and window
        kept[show_all] = draw_parts(handle, view, show_all)
    return render_template(
        "panel.html",
        handle=handle,
        view=view,
        parts=kept[show_all],
        banner=context.need_patient_banner,
        records=launch.records,
        can_record=bool(context.encounter) and not record_missing,
        record_missing=record_missing,
        saved=request.args.get("saved"),
        queued=queued,
        # the save this page follows, as data (plugin/web/record_pages.py: Outcome)
        outcome="saved" if request.args.get("saved") else
        "queued" if request.args.get("queued") else "",
        unsent=unsent,
        recent_alerts=RECENT_ALERTS,
        fhir_base=context.iss,
    )


def draw_parts(handle: str, view: PanelView, show_all: bool) -> dict[str, Markup]:
    """The status line, alerts, trend and sessions: HTML that depends on the view, the window
    and the handle only, so a repeat view of unchanged data draws none of it again."""
    days = window(view.sessions, view.all_scored, show_all)
    rows = window_rows(view, days, show_all)  # the rest on demand: the first view draws less
    shown = {row.session.id for row in rows}  # links to other sessions ask for all of them
    context = {
        "handle": handle, "view": view, "show_all": show_all,
        "charts": build_trends(view.all_scored, view.all_instruments, view.marks,
                               view.sessions, show_all=show_all, norms=view.norms),
        "table_rows": table_rows(view.all_scored, view.sessions, show_all),
        "window_first": days[0] if days else None, "window_last": days[-1] if days else None,
        "session_rows": rows, "shown_sessions": shown,
        "shown_responses": window_responses(view, days, show_all),
    }
    return {name: Markup(render_template(f"panel/_{name}.html", **context))  # noqa: S704
            for name in ("status", "alerts", "trend", "sessions")}


@bp.get("/panel/<handle>/style.css")
def style(handle: str) -> Response:
    """The EHR's colours and fonts (smart_style_url) as CSS variables, after panel.css."""
    app = services()
    context = app.launches.context(handle, browser_key(request), fresh=False)
    variables = {}
    if context.smart_style_url:
        variables = app.styles.variables(
            context.smart_style_url, [context.iss, context.issuer, context.token_endpoint]
        )
    return Response(style_sheet(variables), mimetype="text/css")  # no-store: security.py
