"""JSON log lines: one object per event, with the request id, and nothing secret.

The app's own messages never carry a token, code, handle or answer text (a rule every module
keeps); as a second guard this formatter replaces anything shaped like one, a long run of
URL-safe characters such as a launch handle or a JWT, before the line is written.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import sys

from plugin.ops.request_ids import current_request_id

# A JWT (three dot-separated base64url parts) or any run of 32+ URL-safe characters.
_SECRET_SHAPED = re.compile(
    r"[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}|[A-Za-z0-9_\-]{32,}")


def scrub(text: str) -> str:
    return _SECRET_SHAPED.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        request_id = current_request_id()
        if request_id:
            line["request_id"] = request_id
        for name in ("route", "method", "status", "ms", "pid"):
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and a scrubbed message, not its traceback's locals.
            line["error"] = scrub(f"{record.exc_info[0].__name__}: {record.exc_info[1]}")
        return json.dumps(line, ensure_ascii=False)


def use_json_logs(level: int = logging.INFO) -> None:
    """Sends every log record of the process to stderr as JSON lines, Python's warnings too."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)


def json_line(message: str, *, level: int = logging.INFO, logger: str = "alliance") -> str:
    """One line as JsonFormatter writes it, for what is printed rather than logged."""
    record = logging.LogRecord(logger, level, __file__, 0, message, None, None)
    return JsonFormatter().format(record)


def gunicorn_log_config() -> dict[str, object]:
    """gunicorn's logconfig_dict: its error log (the master's and the workers' own lines)
    through JsonFormatter to stderr, like the app's. Its access log is kept silent: its lines
    hold each request's path and query (a launch handle, the callback's code); the app logs
    every request itself, by route pattern (plugin.web.ops_routes)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json",
               "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False,
                               "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "WARNING", "handlers": ["json"], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
    }
