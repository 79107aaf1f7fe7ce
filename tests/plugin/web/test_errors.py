"""plugin/web/errors.py: every error root becomes a readable page with our status, never a 500."""

from __future__ import annotations

import time

import pytest

from plugin.alliance import InvalidInstrument, UnknownOption
from plugin.audit.errors import AuditSinkError
from plugin.deploy.errors import InstallRefused
from plugin.errors import ConfigError
from plugin.fhir.errors import (
    FhirConflict,
    FhirTransportError,
    InvalidSubmission,
    error_for_status,
)
from plugin.launch.errors import LaunchExpired, LaunchRefused
from plugin.recording.errors import RecordingRefused
from plugin.web import create_app, plain_words
from smart_launch import LaunchContext, TokenRequestError
from smart_launch.scopes import GrantedScopes
from tests.support.fake_http import fake_session

ISS = "https://ehr.example/fhir"


@pytest.fixture
def app(tmp_path):
    http, transport = fake_session()
    transport.add("GET", f"{ISS}/metadata", (200, {"resourceType": "CapabilityStatement"}))
    app = create_app({
        "public_url": "https://app.example", "client_id": "c", "allowed_iss": ISS,
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
        "data_dir": str(tmp_path)}, http=http)
    return app


def launch(app) -> str:
    context = LaunchContext(
        iss=ISS, patient="p1", encounter="e1", fhir_user=f"{ISS}/Practitioner/dr1",
        expires_at=time.time() + 3600, access_token="tok",
        token_endpoint="https://ehr.example/token",
        scopes=GrantedScopes.parse("launch openid fhirUser patient/*.cruds"))
    app.extensions["alliance"].launches.store.put(
        "launch", "H", {"context": context.to_dict(), "browser": None}, 3600)
    return "H"


def test_an_invalid_instrument_while_building_a_form_is_a_clear_page(app, monkeypatch):
    handle = launch(app)

    def broken(_questionnaire_id: str) -> None:
        raise InvalidInstrument("Item goal-1 has no answer options.")

    monkeypatch.setattr(app.extensions["alliance"].catalogue, "form", broken)
    page = app.test_client().get(f"/panel/{handle}/record/alliance-checkin-therapist")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "The form could not be used" in text and "Item goal-1 has no answer options." in text
    assert "alliance.invalid_instrument" in text


@pytest.mark.parametrize("error, status", [
    (ConfigError("ALLIANCE_X is wrong."), 503),
    (LaunchRefused("Not configured for this EHR.", code="launch.unknown_iss"), 400),
    (LaunchExpired("This session has ended."), 403),
    (RecordingRefused("No session is in context.", code="recording.no_encounter"), 409),
    (UnknownOption("Item 3: x is not one of its options.", "3"), 422),
    (InvalidSubmission("author must be a reference."), 422),
    (FhirConflict("Saving failed: HTTP 412", upstream_status=412), 409),
    (FhirTransportError("The FHIR server did not answer."), 502),
    (error_for_status(403, {}, "Reading"), 403),
    (AuditSinkError("the audit spool cannot be written"), 503),
    (InstallRefused("the server refused the Questionnaire"), 502),
    (TokenRequestError("The code was already used.", code="invalid_grant"), 400),
])
def test_every_error_root_has_a_page_with_our_status(app, error, status):
    def fail() -> str:
        raise error

    app.add_url_rule("/test-failure", "test_failure", fail)
    page = app.test_client().get("/test-failure")
    text = page.get_data(as_text=True)
    assert page.status_code == status
    assert error.message in text and error.code in text


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("client", [False, True])
def test_an_ehr_authorization_failure_is_one_status_on_every_page(app, status, client):
    """A 401 or 403 from the EHR: the error page and the save page (clinician's or client's)
    answer with the same status."""
    error = error_for_status(status, {}, "Saving")

    def fail() -> str:
        raise error

    app.add_url_rule("/test-failure", "test_failure", fail)
    page = app.test_client().get("/test-failure")
    assert plain_words.save_failed(error, client=client)[1] == page.status_code == 403
