"""Errors of FHIR access. Each carries a machine `code`, a human `message` and, when the server
answered, its HTTP `status` and the OperationOutcome's issues.

    FhirError                 base
    ├── FhirTransportError    no answer: connection refused, timeout, DNS (code "unreachable")
    ├── FhirUnsafeUrl         a URL from the server (a paging link) points elsewhere; not followed
    └── FhirResponseError     the server answered with an error status
        ├── FhirAuthError     401 / 403: token expired, revoked, or scope missing
        ├── FhirNotFound      404 / 410
        ├── FhirConflict      409 / 412: a version conflict (someone changed the record)
        └── FhirRejected      400 / 422: the server refused the resource as invalid
"""

from __future__ import annotations

from typing import Any


class FhirError(Exception):
    code = "fhir_error"

    def __init__(
        self, message: str, *, status: int | None = None, issues: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.issues = issues or []


class FhirTransportError(FhirError):
    code = "unreachable"


class FhirUnsafeUrl(FhirError):
    code = "unsafe_url"


class FhirResponseError(FhirError):
    code = "server_error"


class FhirAuthError(FhirResponseError):
    code = "not_authorized"


class FhirNotFound(FhirResponseError):
    code = "not_found"


class FhirConflict(FhirResponseError):
    code = "version_conflict"


class FhirRejected(FhirResponseError):
    code = "rejected"


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
    return _BY_STATUS.get(status, FhirResponseError)(message, status=status, issues=issues)
