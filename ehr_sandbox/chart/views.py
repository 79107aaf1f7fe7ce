"""Routes of the chart: `/` lists patients, `/chart/<id>` shows one chart with the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypedDict
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, make_response, render_template, request

from ehr_sandbox.fhir.directory import StoreDirectory, display_name
from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.store import Store
from ehr_sandbox.settings import SandboxSettings

PRACTITIONER_COOKIE = "sandbox_practitioner"
CreateLaunch = Callable[[str, str | None, str], str]


def launch_url(app_launch_url: str, fhir_base: str, launch: str) -> str:
    """The app's launch URL with iss and launch, URL-encoded."""
    separator = "&" if "?" in app_launch_url else "?"
    return f"{app_launch_url}{separator}{urlencode({'iss': fhir_base, 'launch': launch})}"


def todays_encounter(store: Store, patient_id: str, today: date) -> Resource | None:
    """The patient's in-progress encounter that started today, if any."""
    for encounter in reversed(store.scan("Encounter", patient_id)):
        start = (encounter.get("period") or {}).get("start", "")
        if encounter.get("status") == "in-progress" and start[:10] == today.isoformat():
            return encounter
    return None


def _mrn(patient: Resource) -> str:
    for identifier in patient.get("identifier") or []:
        codings = (identifier.get("type") or {}).get("coding") or []
        if any(c.get("code") == "MR" for c in codings):
            return str(identifier.get("value", ""))
    return ""


class SessionRow(TypedDict):
    """One line of the chart's session list."""

    start: str  # "YYYY-MM-DD HH:MM"
    status: str  # the Appointment's status
    encounter: Resource | None


def _sessions(store: Store, patient_id: str) -> list[SessionRow]:
    """The patient's appointments, newest first, each with its encounter (if any)."""
    by_appointment: dict[str, Resource] = {}
    for encounter in store.scan("Encounter", patient_id):
        for ref in encounter.get("appointment") or []:
            by_appointment[str(ref.get("reference", "")).rpartition("/")[2]] = encounter
    rows: list[SessionRow] = []
    for appointment in store.scan("Appointment", patient_id):
        linked = by_appointment.get(appointment["id"])
        rows.append({
            "start": str(appointment.get("start", ""))[:16].replace("T", " "),
            "status": str(appointment.get("status", "")),
            "encounter": linked,
        })
    rows.sort(key=lambda r: r["start"], reverse=True)
    return rows


def chart_blueprint(store: Store, directory: StoreDirectory, create_launch: CreateLaunch,
                    settings: SandboxSettings) -> Blueprint:
    bp = Blueprint("chart", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/chart-static")

    def chosen_practitioner() -> tuple[str, list[tuple[str, str]]]:
        practitioners = directory.practitioners()
        known = {pid for pid, _ in practitioners}
        wanted = request.args.get("practitioner") or request.cookies.get(PRACTITIONER_COOKIE)
        if wanted in known:
            return str(wanted), practitioners
        if not practitioners:
            abort(503, "the store has no practitioners")
        return practitioners[0][0], practitioners

    def remembered(response: Response, practitioner: str) -> Response:
        response.set_cookie(PRACTITIONER_COOKIE, practitioner, httponly=True, samesite="Lax")
        return response

    @bp.get("/")
    def patients() -> Response:
        practitioner, practitioners = chosen_practitioner()
        rows = sorted(
            ({"id": p["id"], "name": display_name(p), "birth_date": p.get("birthDate", ""),
              "mrn": _mrn(p)} for p in store.scan("Patient")),
            key=lambda r: r["name"].casefold(),
        )
        html = render_template("chart/patients.html", patients=rows,
                               practitioners=practitioners, practitioner=practitioner)
        return remembered(make_response(html), practitioner)

    @bp.get("/chart/<patient_id>")
    def chart(patient_id: str) -> Response:
        stored = store.read("Patient", patient_id)
        if stored is None or stored.resource is None:
            abort(404)
        patient = stored.resource
        practitioner, practitioners = chosen_practitioner()
        today = datetime.fromtimestamp(settings.clock(), tz=UTC).date()
        encounter = todays_encounter(store, patient_id, today)
        launch = create_launch(patient_id, encounter["id"] if encounter else None, practitioner)
        html = render_template(
            "chart/chart.html",
            patient=patient, name=display_name(patient), mrn=_mrn(patient),
            sessions=_sessions(store, patient_id), encounter=encounter,
            practitioner=dict(practitioners).get(practitioner, practitioner),
            app_src=launch_url(settings.app_launch_url, settings.fhir_base, launch),
        )
        response = remembered(make_response(html), practitioner)
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp
