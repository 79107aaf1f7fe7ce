"""The sandbox's patient portal: a client signs in (picks themselves among the sandbox's
patients: a sandbox has no passwords), sees a portal page, and opens Alliance Panel from it in
either of SMART's two ways, each ending with the client's Patient as the token's ``fhirUser``, so
the app opens the client's questions, not the panel:

- an EHR launch from the portal: the portal makes a launch in the client's own context and opens
  the app's /portal/launch with ``iss`` and ``launch``;
- a standalone launch: a plain link to the app's /portal/launch with ``iss`` only; the app asks
  for ``launch/patient`` and the authorization server, seeing the client signed in to the portal
  (ehr_sandbox/auth/portal_user.py), asks them to confirm themselves.

    GET  /portal            the sign-in: choose a patient
    POST /portal/sign-in    remember the chosen patient (a cookie), then the portal page
    GET  /portal/home       the portal page, with the button and the link that open the app
    POST /portal/open       make the launch and go to the app's /portal/launch with it
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ehr_sandbox.auth.portal_user import PORTAL_COOKIE, portal_patient
from ehr_sandbox.chart.views import CreateLaunch, launch_url
from ehr_sandbox.fhir.directory import StoreDirectory
from ehr_sandbox.settings import SandboxSettings


def portal_launch_url(app_launch_url: str) -> str:
    """The app's patient launch address beside its clinician one (…/launch -> …/portal/launch)."""
    base, _, query = app_launch_url.partition("?")
    root = base[: -len("/launch")] if base.endswith("/launch") else base.rstrip("/")
    return f"{root}/portal/launch" + (f"?{query}" if query else "")


def standalone_url(app_launch_url: str, fhir_base: str) -> str:
    """The app's patient launch address with ``iss`` only: a standalone launch."""
    address = portal_launch_url(app_launch_url)
    separator = "&" if "?" in address else "?"
    return f"{address}{separator}{urlencode({'iss': fhir_base})}"


def portal_blueprint(directory: StoreDirectory, create_launch: CreateLaunch,
                     settings: SandboxSettings) -> Blueprint:
    bp = Blueprint("portal", __name__, template_folder="templates",
                   url_prefix="/portal")

    def signed_in() -> tuple[str, str] | None:
        return portal_patient(directory.patients)

    @bp.get("")
    def sign_in_page() -> str:
        return render_template("chart/portal_sign_in.html", patients=directory.patients())

    @bp.post("/sign-in")
    def sign_in() -> Response:
        chosen = request.form.get("patient", "")
        if chosen not in {pid for pid, _ in directory.patients()}:
            return redirect(url_for("portal.sign_in_page"), code=303)
        response = redirect(url_for("portal.home"), code=303)
        response.set_cookie(PORTAL_COOKIE, chosen, httponly=True, samesite="Lax")
        return response

    @bp.get("/home")
    def home() -> Response:
        user = signed_in()
        if user is None:
            return redirect(url_for("portal.sign_in_page"), code=303)
        response = make_response(render_template(
            "chart/portal_home.html", name=user[1],
            standalone=standalone_url(settings.app_launch_url, settings.fhir_base)))
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.post("/open")
    def open_app() -> Response:
        user = signed_in()
        if user is None:
            return redirect(url_for("portal.sign_in_page"), code=303)
        launch = create_launch(user[0], None, f"Patient/{user[0]}")
        return redirect(launch_url(portal_launch_url(settings.app_launch_url),
                                   settings.fhir_base, launch), code=303)

    return bp
