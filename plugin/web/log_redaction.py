"""Logs never carry a launch handle, a client capability, a code, a state or a token.

`RedactingFilter` rewrites a log record in place: its message (arguments merged in) and its
exception text lose every value that could open something. It is installed once per process as
part of the log-record factory (`install`), so it sees every record from every logger, ours,
Flask's `log_exception` ("Exception on /panel/<handle> [GET]") and werkzeug's request lines
alike, before any handler formats it.

Every record also stays one line (what `--log-format text` writes): line breaks and other
control characters in the message (an OAuth ``error`` from a callback, a header) are shown
escaped (``\\n``, ``\\x1b``), and each line of an exception's traceback is indented, so no
value can start a line that reads as another log record.

What is redacted: any run of 32 or more URL-safe characters (handles, capabilities, states,
PKCE verifiers and most tokens are 43), anything shaped like a JWT, and the value of query or
form parameters that carry secrets (`code=`, `state=`, `token=`, ...), whatever their length.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["REDACTED", "RedactingFilter", "install", "one_line", "redact"]

REDACTED = "[redacted]"
_SECRET_PARAMETERS = (
    "code", "state", "launch", "token", "access_token", "refresh_token", "id_token",
    "code_verifier", "client_assertion", "client_secret", "csrf_token", "session_state",
)
_PATTERNS = (
    re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),  # a JWT
    re.compile(r"[A-Za-z0-9_-]{32,}"),  # handles, capabilities, states, verifiers, tokens
    re.compile(r"(?i)\b(" + "|".join(_SECRET_PARAMETERS) + r")=([^&\s\"'<>]+)"),
    re.compile(r"(?i)(bearer\s+)[^\s\"']+"),
)


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TRACEBACK_INDENT = "  | "


def one_line(text: str) -> str:
    """``text`` with line breaks and every other control character shown as its escape."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _indented(text: str) -> str:
    """A traceback kept readable on several lines, each marked as a continuation."""
    lines = (one_line(line) for line in text.splitlines())
    return "\n".join(_TRACEBACK_INDENT + line for line in lines)


def redact(text: str) -> str:
    """`text` with every secret-shaped value replaced by [redacted]."""
    text = _PATTERNS[0].sub(REDACTED, text)
    text = _PATTERNS[1].sub(REDACTED, text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return _PATTERNS[3].sub(lambda m: f"{m.group(1)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Redact a record's message and exception text in place; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "alliance_redacted", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = one_line(redact(message)), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _indented(redact(record.exc_text))
        if record.stack_info:
            record.stack_info = _indented(redact(record.stack_info))
        record.alliance_redacted = True
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Run the filter on every log record this process creates (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "alliance_redacting", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _FILTER.filter(record)
        return record

    setattr(redacting, "alliance_redacting", True)  # noqa: B010
    logging.setLogRecordFactory(redacting)

