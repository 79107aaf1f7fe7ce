"""Errors of recording: each carries a machine ``code`` and a human ``message``.

    RecordingError         base (code "recording.error")
    ├── OutboxWaiting      a queued save cannot be sent now: its launch ended and no other
    │                      token can be had ("recording.launch_ended"), or its companion store
    │                      is no longer configured ("recording.no_companion"); it stays queued
    └── RecordingRefused   the app will not record this: no session or author in context
                           ("recording.no_encounter", "recording.no_author"), a form it does not
                           offer ("recording.unknown_form"), a stored response's form it does
                           not know ("recording.unknown_questionnaire"), a record marked
                           entered-in-error
                           ("recording.entered_in_error"), a form that cannot be handed to the
                           client ("recording.no_handoff") or sent to them with a one-time
                           link ("recording.no_link": not a client form, or no backend access
                           to the EHR's records), a save answered without the response
                           ("recording.no_response_saved")

FHIR failures stay plugin.fhir.errors.FhirError; a form the catalogue cannot build at start-up is
a plugin.errors.ConfigError. Conventions: see plugin/errors.py.
"""

from __future__ import annotations

from app_errors import AppError


class RecordingError(AppError):
    code = "recording.error"


class RecordingRefused(RecordingError):
    code = "recording.refused"


class OutboxWaiting(RecordingError):
    code = "recording.outbox_waiting"
