"""The client hand-off: a capability for the client, a lock for the clinician's launch.

How it works (framework-free; plugin/web/handoff_routes.py is the glue):

1. The clinician starts a hand-off for a client-rated form. The launch's handle is rotated
   first (the web layer asks Launches for a new one), so any URL of the launch the client might
   see or go back to is dead. The app draws a random 6-digit **unlock code** and a random
   **client capability**. The capability is the only thing the client's screen ever carries
   (`/handoff/<capability>`): it opens this one questionnaire and nothing else, and it dies
   when the questionnaire is sent or the hand-off ends.
2. Until the client opens the questionnaire, the clinician's hand-off page (in the chart) shows
   the code and the link. Once the capability is used, the code and the link are gone from the
   store and the page says what to do next; the code is kept only as an HMAC (keyed with
   ALLIANCE_SECRET_KEY and bound to the clinician's handle).
3. While a hand-off is recorded for a handle, every URL of that launch shows the hand-off page
   instead of the panel. Leaving needs the code; every check first takes a numbered attempt
   from the store's atomic ``incr``, so however many guesses arrive at once at most
   ``MAX_FAILURES`` codes are compared, and after that many wrong ones the hand-off is
   *sealed*: no code opens it, and the clinician launches again from the chart.
   A right code ends the hand-off and the web layer rotates the handle again.

4. A new launch for the same session (the same EHR, signed-in user, patient and encounter) ends
   a hand-off whose questions are still open: the clinician has moved on. The client's link then
   opens a page saying the questions were closed and that nothing typed was saved, and the old
   launch's lock page says why (its unlock code still returns to that panel).

Every record of a hand-off lives exactly as long as the launch (the caller passes the launch's
remaining lifetime).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugin.launch.session_store import SessionStore

KIND = "handoff"  # clinician handle -> the hand-off
CLIENT_KIND = "handoff_client"  # client capability -> the clinician handle
FAILURES_KIND = "handoff_failures"  # clinician handle -> wrong codes so far (atomic incr)
SESSION_KIND = "handoff_session"  # session -> the hand-offs started for it (handle, capability)
MAX_PER_SESSION = 8
MAX_FAILURES = 5
CODE_DIGITS = 6


@dataclass(frozen=True)
class Handoff:
    questionnaire_id: str
    submission_id: str
    state: str  # "open" (questionnaire shown) | "submitted" (thank-you + lock) | "sealed"
    #            | "closed" (a new launch for the session ended it before the client sent)
    saved: str | None = None  # the QuestionnaireResponse id once submitted
    failures: int = 0
    code: str | None = None  # the unlock code, until the client opened the questionnaire
    capability: str | None = None  # the client's link, until the client opened it

    @property
    def sealed(self) -> bool:
        return self.state == "sealed"

    @property
    def client_has_it(self) -> bool:
        """The client opened the questionnaire: the code and the link are no longer shown."""
        return self.code is None


def session_key(iss: str, user: str | None, patient: str | None, encounter: str | None
                ) -> str | None:
    """The session a launch is for, as one opaque key (None when the launch lacks a part)."""
    if not (user and patient and encounter):
        return None
    text = "\x00".join(("alliance-panel handoff session", iss, user, patient, encounter))
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(secret_key: str, handle: str, code: str) -> str:
    message = f"alliance-panel handoff\x00{handle}\x00{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


class Handoffs:
    def __init__(self, store: SessionStore, secret_key: str) -> None:
        self._store = store
        self._secret = secret_key

    def _get(self, handle: str) -> dict[str, Any] | None:
        return self._store.get(KIND, handle) if handle else None

    def _handoff(self, record: dict[str, Any], failures: int) -> Handoff:
        state = "sealed" if failures >= MAX_FAILURES else record["state"]
        return Handoff(record["questionnaire"], record["submission_id"], state,
                       record.get("saved"), failures, record.get("code"),
                       record.get("capability"))

    def _failures(self, handle: str) -> int:
        counter = self._store.get(FAILURES_KIND, handle)
        return int(counter["n"]) if counter else 0

    def current(self, handle: str) -> Handoff | None:
        record = self._get(handle)
        return None if record is None else self._handoff(record, self._failures(handle))

    def locked(self, handle: str) -> bool:
        """True while a hand-off is active for this launch: its URLs show the lock."""
        return self._get(handle) is not None

    def start(self, handle: str, questionnaire_id: str, ttl: float, session: str | None = None
              ) -> tuple[str, str]:
        """Begin a hand-off on the (freshly rotated) clinician ``handle``; returns the unlock
        code and the client capability. ``ttl``: the launch's remaining lifetime; ``session``:
        its ``session_key``, so that a new launch for the session can end it."""
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        capability = secrets.token_urlsafe(32)
        record = {
            "questionnaire": questionnaire_id, "submission_id": str(uuid.uuid4()),
            "state": "open", "digest": _digest(self._secret, handle, code),
            "code": code, "capability": capability,
        }
        if not self._store.add(KIND, handle, record, ttl):
            raise ValueError("a hand-off is already active for this launch")
        self._store.put(CLIENT_KIND, capability, {"handle": handle, "state": "new"}, ttl)
        if session is not None:
            known = self._store.get(SESSION_KIND, session) or {"handoffs": []}
            started = [*known["handoffs"], {"handle": handle, "capability": capability}]
            self._store.put(SESSION_KIND, session, {"handoffs": started[-MAX_PER_SESSION:]}, ttl)
        return code, capability

    def end_for_session(self, session: str | None, remaining: Callable[[str], float]) -> int:
        """A new launch for ``session``: close its hand-offs whose questions are still open
        (the client's link stops taking answers). ``remaining``: a clinician handle's launch
        lifetime left, which the closed records keep. Returns how many were closed."""
        known = self._store.take(SESSION_KIND, session) if session else None
        closed = 0
        for started in (known or {}).get("handoffs", []):
            handle, capability = str(started["handle"]), str(started["capability"])
            record, ttl = self._get(handle), remaining(handle)
            if record is None or record["state"] != "open" or ttl <= 0:
                continue
            self._store.put(KIND, handle, {**record, "state": "closed", "code": None,
                                           "capability": None}, ttl)
            self._store.put(CLIENT_KIND, capability, {"handle": handle, "state": "closed"}, ttl)
            closed += 1
        return closed

    def closed_before_sent(self, capability: str) -> bool:
        """True when this client link's questions were closed by a new launch, unsent."""
        link = self._store.get(CLIENT_KIND, capability) if capability else None
        return link is not None and link.get("state") == "closed"

    def for_client(self, capability: str) -> tuple[str, Handoff] | None:
        """The clinician handle and the hand-off a live client capability opens, else None."""
        link = self._store.get(CLIENT_KIND, capability) if capability else None
        if link is None:
            return None
        handle = str(link["handle"])
        handoff = self.current(handle)
        if handoff is None or handoff.state != "open":
            return None
        return handle, handoff

    def client_opened(self, handle: str, ttl: float) -> None:
        """The client has the questionnaire: forget the code and the link (only the HMAC stays)."""
        record = self._get(handle)
        if record is not None and record.get("code") is not None:
            self._store.put(KIND, handle, {**record, "code": None, "capability": None}, ttl)

    def submitted(self, handle: str, capability: str, qr_id: str, ttl: float) -> None:
        """The questionnaire was sent: the capability dies, the lock stays."""
        self._store.delete(CLIENT_KIND, capability)
        record = self._get(handle)
        if record is not None and record["state"] == "open":
            self._store.put(KIND, handle, {**record, "state": "submitted", "saved": qr_id,
                                           "code": None, "capability": None}, ttl)

    def unlock(self, handle: str, code: str, ttl: float) -> Handoff | None:
        """End the hand-off when ``code`` is right and return it; else count the failure
        (atomically; sealed after MAX_FAILURES) and return None."""
        record = self._get(handle)
        if record is None:
            return None
        # Each check first takes a numbered attempt from the atomic counter, so however many
        # guesses arrive at once, no more than MAX_FAILURES codes are ever compared.
        attempt = self._store.incr(FAILURES_KIND, handle, ttl)
        if attempt > MAX_FAILURES:
            return None
        given = "".join(ch for ch in code if ch in "0123456789")[:CODE_DIGITS * 2]
        if hmac.compare_digest(_digest(self._secret, handle, given), record["digest"]):
            if self._store.take(KIND, handle) is None:  # a parallel unlock got there first
                return None
            if record.get("capability"):
                self._store.delete(CLIENT_KIND, str(record["capability"]))
            self._store.delete(FAILURES_KIND, handle)
            return self._handoff(record, 0)
        if attempt >= MAX_FAILURES and record.get("capability"):
            self._store.delete(CLIENT_KIND, str(record["capability"]))
        return None
