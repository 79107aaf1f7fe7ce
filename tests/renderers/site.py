"""The renderer tier's one local web server: the two renderers' pages and scripts, and a
terminology endpoint of ours that answers nothing (every request to it is recorded, so a test
can say that a renderer looked up a code it should have found in the Questionnaire).

Served paths: /lhc-forms.html and /smart-forms.html (pages/), /lforms/ (the lforms package's
built files), /bundle/ (the esbuild bundle of the Smart Forms entry), /tx/ (terminology).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.middleware.shared_data import SharedDataMiddleware

from tests.support.servers import LiveServer

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
LFORMS = MODULES / "lforms" / "dist" / "lforms"
SMART_FORMS = MODULES / "@aehrc" / "smart-forms-renderer"
BUNDLE = HERE / "bundle" / "smart-forms.js"
TERMINOLOGY = "/tx"
NOT_FOUND = {"resourceType": "OperationOutcome", "issue": [
    {"severity": "error", "code": "not-found",
     "diagnostics": "The renderer tier has no terminology: every code is in the Questionnaire."}]}


class Site:
    """Static files plus the recording terminology endpoint, on http://127.0.0.1:PORT."""

    def __init__(self, lookups: list[str] | None = None) -> None:
        self.lookups: list[str] = [] if lookups is None else lookups
        self._lock = threading.Lock()
        static = SharedDataMiddleware(self._fallback, {
            "/lforms": str(LFORMS), "/bundle": str(BUNDLE.parent), "/": str(HERE / "pages")},
            cache=False)
        self._server = LiveServer(hostname="127.0.0.1").start(static)
        self.url = self._server.url
        self.terminology = f"{self.url}{TERMINOLOGY}"

    def _fallback(self, environ: dict[str, Any],
                  start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(TERMINOLOGY + "/"):
            query = environ.get("QUERY_STRING")
            with self._lock:
                self.lookups.append(path + (f"?{query}" if query else ""))
        body = json.dumps(NOT_FOUND).encode()
        start_response("404 Not Found", [("Content-Type", "application/fhir+json"),
                                         ("Content-Length", str(len(body)))])
        return [body]

    def stop(self) -> None:
        self._server.stop()


def missing_builds() -> list[str]:
    """What `make tests/renderers/node_modules` makes and this checkout lacks."""
    missing = []
    if not (LFORMS / "webcomponent" / "main.js").exists():
        missing.append(f"lforms at {LFORMS} (npm ci --prefix tests/renderers)")
    if not SMART_FORMS.exists():
        missing.append(f"@aehrc/smart-forms-renderer at {SMART_FORMS} "
                       "(npm ci --prefix tests/renderers)")
    if not BUNDLE.exists():
        missing.append(f"the Smart Forms bundle {BUNDLE} (npm run --prefix tests/renderers build)")
    return missing
