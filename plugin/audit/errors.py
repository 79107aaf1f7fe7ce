"""Errors of the audit package; each carries a machine ``code`` and a human ``message``.

    AuditError                 base: code "audit.error"
    ├── AuditEventInvalid      a built AuditEvent is not valid FHIR R4 (a bug, never sent)
    ├── AuditSinkError         the JSON-lines sink cannot be written or read
    │   └── AuditNoDestination  events of an EHR with no destination configured (they stay in
    │                          the spool: "audit.no_destination")
    └── AuditQueryError        the verifier was asked an impossible question (bad range, id)

Findings of the verifier (a score that disagrees, a changed sink line) are not errors: they are
rows of the report, and the command exits non-zero when there is one.
"""

from __future__ import annotations

from app_errors import AppError


class AuditError(AppError):
    code = "audit.error"


class AuditEventInvalid(AuditError):
    code = "audit.event_invalid"


class AuditSinkError(AuditError):
    code = "audit.sink_error"


class AuditNoDestination(AuditSinkError):
    code = "audit.no_destination"


class AuditQueryError(AuditError):
    code = "audit.bad_query"
