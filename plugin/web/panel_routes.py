"""The panel page of one launch: /panel/<handle>."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from plugin.fhir.chart import read_chart
from plugin.fhir.client import FhirClient
from plugin.fhir.readers import read_encounter, read_patient, sessions
from plugin.launches import REQUIRED
from plugin.web.security import browser_key

bp = Blueprint("panel", __name__)


@bp.get("/panel/<handle>")
def panel(handle: str) -> str:
    ext = current_app.extensions["alliance"]
    context = ext["launches"].context(handle, browser_key(request))
    missing = context.scopes.missing(REQUIRED)
    if missing or not context.patient:
        return render_template(
            "degraded.html",
            missing=missing,
            no_patient=not context.patient,
            handle=handle,
        )
    client = FhirClient(context.iss, token=lambda: context.access_token, http=ext["http"])
    chart = read_chart(
        client,
        context.patient,
        include_appointments=context.scopes.allows("Appointment", "s"),
    )
    all_sessions = sessions(chart.encounters, chart.appointments)
    current = next(
        (read_encounter(e) for e in chart.encounters if e.get("id") == context.encounter), None
    )
    return render_template(
        "panel.html",
        handle=handle,
        patient=read_patient(chart.patient),
        banner=context.need_patient_banner,
        current=current,
        sessions=all_sessions,
        notes=chart.notes,
        fhir_base=context.iss,
    )
