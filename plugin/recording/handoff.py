"""The client hand-off and its lock, kept in the launch's server-side session store.

How it works (framework-free; plugin/web/handoff_routes.py is the glue):

1. The clinician starts a hand-off for a client-rated form. The app draws a random 6-digit
   **unlock code**, keeps only its HMAC (keyed with ALLIANCE_SECRET_KEY and bound to the launch
   handle) under ``("handoff", handle)`` in the session store, and shows the code once, to the
   clinician, in the answer to that POST (``Cache-Control: no-store``: going back re-posts, and
   a second start while a hand-off is active only leads back to the questionnaire).
2. While a hand-off is recorded for a handle, every URL of that launch (the panel, recording,
   records) shows the hand-off page instead: the questionnaire, or after submitting a thank-you
   with the lock. The back button therefore never reveals the panel.
3. Leaving the lock needs the code, which only the clinician saw. After ``MAX_FAILURES`` wrong
   codes the hand-off is *sealed*: no code opens it any more, and the clinician launches the app
   again from the patient's chart (which needs their EHR sign-in); the old handle stays locked
   until it expires.

The lock lives exactly as long as the launch (``session_hours``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from plugin.launch.session_store import SessionStore

KIND = "handoff"
MAX_FAILURES = 5
CODE_DIGITS = 6


@dataclass(frozen=True)
class Handoff:
    questionnaire_id: str
    submission_id: str
    state: str  # "open" (questionnaire shown) | "submitted" (thank-you + lock) | "sealed"
    saved: str | None = None  # the QuestionnaireResponse id once submitted
    failures: int = 0

    @property
    def sealed(self) -> bool:
        return self.state == "sealed"


def _digest(secret_key: str, handle: str, code: str) -> str:
    message = f"alliance-panel handoff\x00{handle}\x00{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


class Handoffs:
    def __init__(self, store: SessionStore, secret_key: str, ttl: float) -> None:
        self._store = store
        self._secret = secret_key
        self._ttl = ttl

    def _get(self, handle: str) -> dict[str, Any] | None:
        return self._store.get(KIND, handle) if handle else None

    def current(self, handle: str) -> Handoff | None:
        record = self._get(handle)
        if record is None:
            return None
        return Handoff(record["questionnaire"], record["submission_id"], record["state"],
                       record.get("saved"), int(record.get("failures", 0)))

    def locked(self, handle: str) -> bool:
        """True while a hand-off is active for this launch: its URLs show the lock."""
        return self._get(handle) is not None

    def start(self, handle: str, questionnaire_id: str) -> str:
        """Begin a hand-off; returns the unlock code to show the clinician (once)."""
        if self.locked(handle):
            raise ValueError("a hand-off is already active for this launch")
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        self._store.put(KIND, handle, {
            "questionnaire": questionnaire_id, "submission_id": str(uuid.uuid4()),
            "state": "open", "code": _digest(self._secret, handle, code), "failures": 0,
        }, self._ttl)
        return code

    def submitted(self, handle: str, qr_id: str) -> None:
        record = self._get(handle)
        if record is not None and record["state"] == "open":
            self._store.put(KIND, handle, {**record, "state": "submitted", "saved": qr_id},
                            self._ttl)

    def unlock(self, handle: str, code: str) -> Handoff | None:
        """Remove the lock when ``code`` is right and returns the ended hand-off; else counts
        the failure (sealing after MAX_FAILURES) and returns None."""
        record = self._get(handle)
        if record is None or record["state"] == "sealed":
            return None
        given = "".join(ch for ch in code if ch.isdigit())
        if hmac.compare_digest(_digest(self._secret, handle, given), record["code"]):
            self._store.delete(KIND, handle)
            return Handoff(record["questionnaire"], record["submission_id"], "ended",
                           record.get("saved"), int(record.get("failures", 0)))
        failures = int(record.get("failures", 0)) + 1
        state = "sealed" if failures >= MAX_FAILURES else record["state"]
        self._store.put(KIND, handle, {**record, "failures": failures, "state": state},
                        self._ttl)
        return None
