"""plugin/web/plain_words.py: what a clinician or client reads when something did not go as
planned says it in the EHR's terms, says nothing was lost, and keeps the technical words (and
never a FHIR reference or id) for the IT team's fold."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from plugin.alliance import InvalidInstrument
from plugin.errors import ConfigError
from plugin.fhir.errors import (
    FhirAuthError,
    FhirConflict,
    FhirRejected,
    FhirResponseError,
    FhirTransportError,
    FhirUnsafeUrl,
    RecordInvalid,
)
from plugin.launch.errors import LaunchExpired, LaunchRefused, StoreUnavailable
from plugin.recording.errors import RecordingRefused
from plugin.web import plain_words
from plugin.web.replies import reply_for
from plugin.wording import trouble
from smart_launch import TokenRequestError

SERVER_WORDS = re.compile(r"\bFHIR\b|server|HTTP|token|https?://|\biss\b|`", re.IGNORECASE)
BASE = "https://ehr.example/api/FHIR/R4"

ERRORS = [
    FhirTransportError(f"Saving failed: the FHIR server at {BASE} did not answer (Timeout)."),
    FhirAuthError("Saving failed: HTTP 401", upstream_status=401),
    FhirConflict("Saving failed: HTTP 412", upstream_status=412),
    FhirRejected("Saving failed: HTTP 422: Patient/abc123 unknown", upstream_status=422),
    FhirResponseError("Saving failed: HTTP 503", upstream_status=503),
    FhirUnsafeUrl(f"the FHIR server at {BASE} answered with a redirect (HTTP 302)"),
    RecordInvalid("Built Observation is not valid FHIR: value"),
    LaunchRefused(f"This app is not configured for the FHIR server that launched it ({BASE}). "
                  "An administrator can add it to ALLIANCE_ALLOWED_ISS.",
                  code="launch.unknown_iss"),
    LaunchRefused("The app was opened without saying which EHR it belongs to (add ?iss=...).",
                  code="launch.missing_iss"),
    LaunchRefused("The launch's `iss` is longer than 2048 characters; it was not accepted.",
                  code="launch.parameter_too_long"),
    LaunchExpired("This session has ended. Launch the app again from the patient's chart."),
    StoreUnavailable.wrap("postgres", ConnectionError("db.internal:5432")),
    RecordingRefused("The EHR did not say which practitioner is signed in (no fhirUser).",
                     code="recording.no_author"),
    RecordingRefused("No session is in context: launched without an encounter.",
                     code="recording.no_encounter"),
    RecordingRefused("The form 'x' is not one this app is configured to offer.",
                     code="recording.unknown_form"),
    RecordingRefused("This response was made with a questionnaire the app does not know "
                     "(https://other.example/Questionnaire/x).",
                     code="recording.unknown_questionnaire"),
    InvalidInstrument("Item goal-1 has no answer options."),
    ConfigError("ALLIANCE_CLIENT_ID is missing."),
    TokenRequestError("token endpoint answered HTTP 400", code="invalid_grant"),
]


@pytest.mark.parametrize("err", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_page_speaks_the_clinicians_words_and_folds_the_rest(err):
    words = plain_words.error_words(err)
    assert words.sentence and not SERVER_WORDS.search(words.sentence), words.sentence
    assert err.code in words.details  # the IT team can name what happened
    assert "Patient/abc123" not in words.details and "abc123" not in words.details


def test_the_it_details_keep_the_address_and_status_but_no_reference_or_id():
    words = plain_words.error_words(ERRORS[0])
    assert BASE in words.details and "Timeout" in words.details
    text = plain_words.for_it("QuestionnaireResponse/6f3234b8-1111-4222-8333-944445555666 at "
                              f"{BASE}/Encounter/2f6cdb16cfa7e7ce/_history/2 (HTTP 409)")
    assert "6f3234b8" not in text and "2f6cdb16cfa7e7ce" not in text
    assert "QuestionnaireResponse/(id)" in text and "HTTP 409" in text and BASE in text


@pytest.mark.parametrize("err", [e for e in ERRORS[:7]], ids=lambda e: type(e).__name__)
def test_a_save_that_failed_says_nothing_is_lost_and_what_to_do(err):
    sentence, status = plain_words.save_failed(err)
    assert not SERVER_WORDS.search(sentence), sentence
    assert "your answers are not lost: they are still on this page" in sentence.lower()
    assert "nothing was saved" in sentence.lower()
    assert status == reply_for(err)[0]  # the one table of statuses
    client, client_status = plain_words.save_failed(err, client=True)
    assert client_status == status
    assert client.startswith("Your answers could not be sent just now")
    assert "therapist" in client and not SERVER_WORDS.search(client)


def test_retry_is_offered_only_where_it_can_help():
    refused, _ = plain_words.save_failed(ERRORS[3])
    busy, _ = plain_words.save_failed(ERRORS[4])
    assert "will not help" in refused and "Press Save again" in busy


@pytest.mark.parametrize("why", [*trouble.UNSENT, "something new"])
def test_every_reason_a_rating_waits_is_said_plainly(why):
    assert not SERVER_WORDS.search(trouble.unsent(why))


def test_werkzeugs_server_words_are_replaced_but_a_routes_own_words_kept():
    title, sentence, details = plain_words.http_words(NotFound())
    assert title == "Page not found" and not SERVER_WORDS.search(sentence)
    assert details == "HTTP 404: Not Found"
    _, sentence, _ = plain_words.http_words(MethodNotAllowed())
    assert not SERVER_WORDS.search(sentence)
    _, own, _ = plain_words.http_words(NotFound("This rating could not be found."))
    assert own == "This rating could not be found."
