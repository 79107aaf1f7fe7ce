"""HTTP face of the authorization server: /auth/authorize, /token, /jwks, discovery, style.

EHR launch (a `launch` from create_launch) approves at once as the launch's user.
Standalone launch shows a login-free picker; its form carries a single-use ticket bound to
the exact authorization request, so a forged POST cannot approve anything. In a browser signed
in to the patient portal (portal_user.py) the picker asks that client to confirm themselves
instead: approved, the grant's user is their Patient, in ``launch/patient`` context when asked;
"I am a practitioner" shows the practitioner's picker.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import flask
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from flask.typing import ResponseReturnValue

from . import discovery
from .grants import SmartAuthorizationCodeGrant
from .oauth import OAuthServer
from .portal_user import portal_patient
from .tokens import Subject

PICKER_FIELDS = frozenset({"consent_ticket", "decision", "practitioner", "patient", "encounter"})
TICKET_LIFETIME = 900
SMART_STYLE = {
    "color_background": "#f6f8fa", "color_error": "#b3261e", "color_highlight": "#0a58ca",
    "color_modal_backdrop": "#00000066", "color_success": "#116329", "color_text": "#1f2328",
    "dim_border_radius": "6px", "dim_font_size": "16px", "dim_spacing_size": "16px",
    "font_family_body": "system-ui, sans-serif", "font_family_heading": "system-ui, sans-serif",
}
PUBLIC_JSON = {"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300"}


class Directory(Protocol):
    """Who and what the picker offers; implemented by the FHIR store side."""

    def patients(self) -> list[tuple[str, str]]: ...
    def practitioners(self) -> list[tuple[str, str]]: ...
    def encounters(self, patient_id: str) -> list[tuple[str, str]]: ...


def create_blueprint(oauth: OAuthServer, directory: Directory,
                     public_keys: Callable[[], dict[str, Any]]) -> flask.Blueprint:
    """The /auth endpoints over `oauth` (its settings and store), the picker's `directory` and
    the signing keys' public JWKS that `public_keys` returns."""
    bp = flask.Blueprint("sandbox_auth", __name__, url_prefix="/auth",
                         template_folder="templates")
    store, settings = oauth.store, oauth.settings

    def error_response(error: OAuth2Error) -> flask.Response:
        response: flask.Response = oauth.handle_error_response(None, error)
        return oauth.add_issuer(response) if response.location else response

    def request_params() -> list[tuple[str, str]]:
        values = flask.request.values
        return sorted((k, v) for k in values for v in values.getlist(k) if k not in PICKER_FIELDS)

    def request_hash(params: list[tuple[str, str]]) -> str:
        return hashlib.sha256(json.dumps(params).encode()).hexdigest()

    def wanted_context(grant: SmartAuthorizationCodeGrant) -> tuple[bool, bool]:
        scopes = scope_to_list(grant.request.scope) or []
        wants_encounter = "launch/encounter" in scopes
        return wants_encounter or "launch/patient" in scopes, wants_encounter

    def render_picker(grant: SmartAuthorizationCodeGrant, problem: str | None = None,
                      status: int = 200, *, practitioner: bool = False) -> ResponseReturnValue:
        params = request_params()
        ticket = secrets.token_urlsafe(24)
        store.add_ticket(ticket, request_hash(params), settings.clock() + TICKET_LIFETIME)
        headers = {"Cache-Control": "no-store", "Content-Security-Policy": "frame-ancestors 'none'"}
        client = portal_patient(directory.patients) if not practitioner else None
        if client is not None:
            return flask.render_template(
                "sandbox_auth/patient_confirm.html", client_id=grant.client.client_id,
                params=params, ticket=ticket, patient_name=client[1], problem=problem,
            ), status, headers
        wants_patient, wants_encounter = wanted_context(grant)
        patients = directory.patients() if wants_patient else []
        encounters = ([(pid, name, directory.encounters(pid)) for pid, name in patients]
                      if wants_encounter else [])
        html = flask.render_template(
            "sandbox_auth/picker.html", client_id=grant.client.client_id, params=params,
            ticket=ticket, practitioners=directory.practitioners(), patients=patients,
            wants_patient=wants_patient, wants_encounter=wants_encounter,
            encounters=encounters, problem=problem)
        return html, status, headers

    def portal_subject(grant: SmartAuthorizationCodeGrant) -> Subject | str:
        """The client signed in to the portal as the user, their own record in context."""
        client = portal_patient(directory.patients)
        if client is None:
            return "Sign in to the patient portal first, or choose a practitioner."
        wants_patient, _ = wanted_context(grant)
        return Subject(f"Patient/{client[0]}", client[0] if wants_patient else None, None)

    def choose_subject(grant: SmartAuthorizationCodeGrant,
                       form: Mapping[str, str]) -> Subject | str:
        """The picker's choices as a Subject, or a message saying what is missing."""
        wants_patient, wants_encounter = wanted_context(grant)
        practitioner = form.get("practitioner", "")
        if practitioner not in {pid for pid, _ in directory.practitioners()}:
            return "Choose a practitioner."
        patient = form.get("patient") if wants_patient else None
        if wants_patient and patient not in {pid for pid, _ in directory.patients()}:
            return "Choose a patient."
        encounter = form.get("encounter") if wants_encounter else None
        if wants_encounter and encounter not in {
                eid for eid, _ in directory.encounters(str(patient))}:
            return "Choose an encounter of the chosen patient."
        return Subject(practitioner, patient, encounter)

    def begin() -> ResponseReturnValue:
        try:
            grant = oauth.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return error_response(error)
        launch_id = flask.request.values.get("launch")
        if not launch_id:
            return render_picker(grant)
        launch = store.get_launch(launch_id)
        assert launch is not None  # the grant validated it
        in_context = "launch" in (scope_to_list(grant.request.scope) or [])
        subject = Subject(launch.practitioner, launch.patient if in_context else None,
                          launch.encounter if in_context else None)
        return oauth.respond(grant, subject)

    def approve() -> ResponseReturnValue:
        try:
            grant = oauth.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return error_response(error)
        form = flask.request.form
        if not store.consume_ticket(form["consent_ticket"], request_hash(request_params()),
                                    settings.clock()):
            return render_picker(grant, "This form has expired. Please choose again.", 400)
        decision = form.get("decision")
        if decision == "practitioner":
            return render_picker(grant, practitioner=True)
        if decision not in ("approve", "patient"):
            return oauth.respond(grant, None)
        subject = portal_subject(grant) if decision == "patient" else choose_subject(grant, form)
        if isinstance(subject, str):
            return render_picker(grant, subject, 400, practitioner=decision == "approve")
        return oauth.respond(grant, subject)

    @bp.route("/authorize", methods=["GET", "POST"])
    def authorize() -> ResponseReturnValue:
        if flask.request.method == "POST" and "consent_ticket" in flask.request.form:
            return approve()
        return begin()

    @bp.post("/token")
    def token() -> ResponseReturnValue:
        response: flask.Response = oauth.create_token_response()
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @bp.get("/jwks")
    def jwks() -> ResponseReturnValue:
        return flask.jsonify(public_keys()), 200, PUBLIC_JSON

    @bp.get("/.well-known/openid-configuration")
    def openid_configuration() -> ResponseReturnValue:
        return flask.jsonify(discovery.openid_configuration(settings)), 200, PUBLIC_JSON

    @bp.get("/smart-style.json")
    def smart_style() -> ResponseReturnValue:
        return flask.jsonify(SMART_STYLE), 200, PUBLIC_JSON

    return bp
