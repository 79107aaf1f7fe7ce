"""The panel page of one launch: /panel/<handle>."""

from __future__ import annotations

import datetime

from flask import Blueprint, render_template, request

from plugin.launches import REQUIRED
from plugin.panel.reads import read_panel
from plugin.panel.trend import build_trends
from plugin.panel.view import build_panel
from plugin.web.current import current_launch, extension

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
    reads = read_panel(
        launch.ehr, launch.records, context.patient,
        appointments=context.scopes.allows("Appointment", "s"),
    )
    # Writing to the EHR needs its write scopes; a companion store uses the app's own token.
    record_missing = context.scopes.missing(RECORD_NEEDS) if launch.records.where == "ehr" else []
    today = datetime.datetime.fromtimestamp(extension()["clock"](), datetime.UTC).date()
    view = build_panel(reads, context.encounter, today)
    return render_template(
        "panel.html",
        handle=handle,
        view=view,
        charts=build_trends(view.scored, view.instruments, view.alerts),
        banner=context.need_patient_banner,
        records=launch.records,
        can_record=bool(context.encounter) and not record_missing,
        record_missing=record_missing,
        saved=request.args.get("saved"),
        recent_alerts=RECENT_ALERTS,
        fhir_base=context.iss,
    )
