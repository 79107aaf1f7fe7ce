"""Errors of FHIR access and of the records the app builds. Each carries a machine ``code`` and a
human ``message``; when a FHIR server answered, ``upstream_status`` is *its* HTTP status (our own
reply's status is chosen by plugin/web/errors.py) and ``issues`` its OperationOutcome issues.

    FhirError                  base (code "fhir.error")
    ├── FhirTransportError     no answer: connection refused, timeout, DNS ("fhir.unreachable")
    │   ├── RecordStoreSignInFailed   the companion record store's token could not be had
    │   │                  (its token endpoint refused or did not answer): nothing was sent
    │   │                  ("fhir.record_store_sign_in")
    │   └── FhirLimitExceeded  an answer past a bound of the EHR's ReadLimits, not used:
    │                          fhir.response_too_large, _too_deep, _too_many_entries, _too_slow
    ├── FhirUnsafeUrl          a URL from the server (a paging link) points elsewhere; not followed
    ├── FhirResponseError      the server answered with an error status ("fhir.server_error")
    │   ├── FhirAuthError      401 / 403: token expired, revoked, or scope missing
    │   ├── FhirNotFound       404 / 410
    │   ├── FhirConflict       409 / 412: a version conflict (someone changed the record)
    │   └── FhirRejected       400 / 422: the server refused the resource as invalid
    └── RecordError            the app's own records (plugin.fhir.record_*); nothing was sent
        ├── InvalidSubmission  the submission cannot become records (naive time, bad reference,
        │                      unknown rater, a correction for another questionnaire response)
        └── RecordInvalid      a built resource failed fhir.resources (R4B) validation; a bug

Scoring problems in the answers surface as plugin.alliance errors. Conventions: plugin/errors.py.
"""

from __future__ import annotations

from typing import Any

from app_errors import AppError


class FhirError(AppError):
    code = "fhir.error"

    def __init__(
        self, message: str, *, code: str | None = None, upstream_status: int | None = None,
        issues: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.upstream_status = upstream_status
        self.issues = issues or []


class FhirTransportError(FhirError):
    code = "fhir.unreachable"


class RecordStoreSignInFailed(FhirTransportError):
    code = "fhir.record_store_sign_in"


class FhirLimitExceeded(FhirTransportError):
    """``server`` names the FHIR server (scheme://host) for the page a clinician sees. A
    transport error for the write path too: an answer cut short says nothing of what the
    server did, so a save is queued and re-sent as a conditional create."""

    code = "fhir.response_too_large"

    def __init__(self, message: str, *, code: str, server: str) -> None:
        super().__init__(message, code=code)
        self.server = server


class FhirUnsafeUrl(FhirError):
    code = "fhir.unsafe_url"


class FhirResponseError(FhirError):
    code = "fhir.server_error"


class FhirAuthError(FhirResponseError):
    code = "fhir.not_authorized"


class FhirNotFound(FhirResponseError):
    code = "fhir.not_found"


class FhirConflict(FhirResponseError):
    code = "fhir.version_conflict"


class FhirRejected(FhirResponseError):
    code = "fhir.rejected"


class RecordError(FhirError):
    code = "fhir.record_error"


class InvalidSubmission(RecordError):
    code = "fhir.invalid_submission"


class RecordInvalid(RecordError):
    code = "fhir.invalid_record"


_BY_STATUS: dict[int, type[FhirResponseError]] = {
    400: FhirRejected,
    401: FhirAuthError,
    403: FhirAuthError,
    404: FhirNotFound,
    409: FhirConflict,
    410: FhirNotFound,
    412: FhirConflict,
    422: FhirRejected,
}


def error_for_status(status: int, body: Any, what: str) -> FhirResponseError:
    """Build the typed error for an HTTP error answer, reading an OperationOutcome if present."""
    issues: list[dict[str, Any]] = []
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        issues = [i for i in body.get("issue", []) if isinstance(i, dict)]
    details = "; ".join(
        str(i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code", ""))
        for i in issues
    ).strip("; ")
    message = f"{what} failed: HTTP {status}" + (f": {details}" if details else "")
    return _BY_STATUS.get(status, FhirResponseError)(
        message, upstream_status=status, issues=issues)
