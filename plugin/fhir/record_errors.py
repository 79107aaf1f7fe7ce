"""Errors of record building (plugin.fhir.record_*). Each has a machine ``code`` and a ``message``.

    RecordError                base: code "records.error"
    ├── InvalidSubmission      the submission cannot become records (naive time, bad reference,
    │                          unknown rater, a correction for another questionnaire response)
    └── RecordInvalid          a built resource failed fhir.resources (R4B) validation; a bug
                               here, never sent to the server

Scoring problems in the answers surface as plugin.alliance errors (AnswerError and kin).
"""

from __future__ import annotations


class RecordError(Exception):
    code = "records.error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidSubmission(RecordError):
    code = "records.invalid_submission"


class RecordInvalid(RecordError):
    code = "records.invalid_record"
