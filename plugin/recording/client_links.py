"""A client's one-time link: the client answers on their own phone, before or after a session.

How it works (framework-free; plugin/web/client_link_routes.py is the glue):

1. From the panel, the clinician makes a link for the session in context and one client form.
   The app draws a random **capability** (256 bits) and stores, under its SHA-256 digest only,
   what the link may do: the EHR (issuer), the patient, the session (encounter), the form, the
   submission id its answers will carry, and when it stops working (``client_link_hours``
   after it was made). The capability itself is shown once, to the clinician, and is never
   stored: a copy of the session store opens nothing.
2. The link opens that one form for that one client and session, and nothing else. It holds no
   clinician's token: the answers are written with the app's own backend-services access to the
   EHR's companion record store (plugin/fhir/stores.py ``backend_store``).
3. Single use: once the answers are sent (stored or safely queued) the link is *used*; a link
   past its time is *expired*; both open only a page saying the questions are closed. The
   record stays (without the capability) until ``KEEP_AFTER`` past its expiry, so the
   clinician's panel can say whether each link is waiting, used or expired.

Every link of a session is listed under the session's key (``SESSION_KIND``), newest last, at
most ``MAX_PER_SESSION``.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plugin.launch.session_store import SessionStore

KIND = "client_link"  # digest of the capability -> what the link may do, and its state
SESSION_KIND = "client_link_session"  # session key -> the digests of its links
MAX_PER_SESSION = 20
KEEP_AFTER = 7 * 86400.0  # a used or expired link is still listed this long after its expiry


def digest(capability: str) -> str:
    return hashlib.sha256(f"alliance-panel client link\x00{capability}".encode()).hexdigest()


def session_key(iss: str, patient: str, encounter: str) -> str:
    text = "\x00".join(("alliance-panel client link session", iss.rstrip("/"), patient,
                        encounter))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ClientLink:
    iss: str
    patient: str
    encounter: str
    questionnaire_id: str
    submission_id: str
    created: float
    expires: float
    state: str  # "waiting" | "used" | "expired"
    used_at: float | None = None
    saved: str | None = None  # the QuestionnaireResponse id once stored ("" while queued)


def _link(record: dict[str, Any], now: float) -> ClientLink:
    state = str(record["state"])
    if state == "waiting" and now >= float(record["expires"]):
        state = "expired"
    return ClientLink(str(record["iss"]), str(record["patient"]), str(record["encounter"]),
                      str(record["questionnaire"]), str(record["submission_id"]),
                      float(record["created"]), float(record["expires"]), state,
                      record.get("used_at"), record.get("saved"))


class ClientLinks:
    def __init__(self, store: SessionStore, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def create(self, *, iss: str, patient: str, encounter: str, questionnaire_id: str,
               lifetime: float) -> str:
        """A new link for this client, session and form, valid ``lifetime`` seconds; returns
        the capability (shown once; only its digest is kept)."""
        now = self._clock()
        capability = secrets.token_urlsafe(32)
        record = {"iss": iss, "patient": patient, "encounter": encounter,
                  "questionnaire": questionnaire_id, "submission_id": str(uuid.uuid4()),
                  "created": now, "expires": now + lifetime, "state": "waiting"}
        key = digest(capability)
        self._store.put(KIND, key, record, lifetime + KEEP_AFTER)
        session = session_key(iss, patient, encounter)
        known = self._store.get(SESSION_KIND, session) or {"links": []}
        links = [*known["links"], key][-MAX_PER_SESSION:]
        self._store.put(SESSION_KIND, session, {"links": links}, lifetime + KEEP_AFTER)
        return capability

    def find(self, capability: str) -> ClientLink | None:
        """The link a capability names, whatever its state; None for one never made (or gone)."""
        if not capability or len(capability) > 128:
            return None
        record = self._store.get(KIND, digest(capability))
        return None if record is None else _link(record, self._clock())

    def usable(self, capability: str) -> ClientLink | None:
        """The link when it still takes answers: made, not used, not expired."""
        link = self.find(capability)
        return link if link is not None and link.state == "waiting" else None

    def used(self, capability: str, qr_id: str) -> None:
        """The answers were sent (stored: ``qr_id``; queued: ""): the link opens nothing more."""
        key = digest(capability)
        record = self._store.get(KIND, key)
        if record is None:
            return
        now = self._clock()
        remaining = float(record["expires"]) + KEEP_AFTER - now
        self._store.put(KIND, key, {**record, "state": "used", "used_at": now, "saved": qr_id},
                        max(remaining, 60.0))

    def for_session(self, iss: str, patient: str, encounter: str) -> list[ClientLink]:
        """The session's links, oldest first, each with its state now."""
        known = self._store.get(SESSION_KIND, session_key(iss, patient, encounter))
        now = self._clock()
        found = []
        for key in (known or {}).get("links", []):
            record = self._store.get(KIND, str(key))
            if record is not None:
                found.append(_link(record, now))
        return found
