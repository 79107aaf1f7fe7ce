"""Errors of the sandbox FHIR server, each with an HTTP status and an OperationOutcome code.

    FhirError                 base: status, issue code, human message
    ├── BadRequest            400 invalid   malformed request, unknown parameter, bad reference
    ├── Unauthorized          401 login     missing or invalid bearer token
    ├── Forbidden             403 forbidden scope or patient compartment refuses the request
    ├── NotFound              404 not-found unknown type, id or version
    ├── NotSupported          405 not-supported  interaction not offered for the type
    ├── Gone                  410 deleted   the resource was deleted
    ├── PreconditionFailed    412 conflict  If-Match / If-None-Exist did not hold
    ├── UnsupportedMedia      415 not-supported  body is not FHIR JSON
    └── Unprocessable         422 processing     the resource is not valid FHIR R4

`outcome_of(error)` renders any of them; the blueprint is the one place that maps them to HTTP.
"""

from __future__ import annotations

from ehr_sandbox.fhir.resource import Resource


class FhirError(Exception):
    status = 500
    code = "exception"

    def __init__(self, message: str, *, expression: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


class BadRequest(FhirError):
    status = 400
    code = "invalid"


class Unauthorized(FhirError):
    status = 401
    code = "login"

    def __init__(self, message: str, *, token_error: bool = False) -> None:
        super().__init__(message)
        self.token_error = token_error


class Forbidden(FhirError):
    status = 403
    code = "forbidden"


class NotFound(FhirError):
    status = 404
    code = "not-found"


class NotSupported(FhirError):
    status = 405
    code = "not-supported"


class Gone(FhirError):
    status = 410
    code = "deleted"


class PreconditionFailed(FhirError):
    status = 412
    code = "conflict"


class UnsupportedMedia(FhirError):
    status = 415
    code = "not-supported"


class Unprocessable(FhirError):
    status = 422
    code = "processing"


def operation_outcome(
    message: str, *, code: str, severity: str = "error", expression: str | None = None
) -> Resource:
    issue: Resource = {"severity": severity, "code": code, "diagnostics": message}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_of(error: FhirError) -> Resource:
    return operation_outcome(error.message, code=error.code, expression=error.expression)
