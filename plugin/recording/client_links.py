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
   past its time is *expired*; both open only a page saying the questions are closed, with one
   exception so that nothing typed is lost: a page the client opened before the link expired
   still sends its answers for ``LATE_SEND_SECONDS`` after (``usable(late=True)``). The
   record stays (without the capability) until ``KEEP_AFTER`` past its expiry, so the
   clinician's panel can say whether each link is waiting, used, expired or replaced.
4. A new link for the same session and form *replaces* the one still waiting: the old one opens
   nothing more. The clinician's page shows the new capability once, after a redirect (a reload
   must not make another link): it is kept for that one showing, sealed with a key that only
   the redirect's address carries (``seal``/``unseal``), so neither the address nor the session
   store alone gives the link.

Every link of a session is listed under the session's key (``SESSION_KIND``), newest last, at
most ``MAX_PER_SESSION``.
"""

from __future__ import annotations

import base64
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
SHOWN_KIND = "client_link_shown"  # a new link's capability, sealed, until its page shows it
SHOWN_SECONDS = 300.0
# Project default: how long after its link expired a page opened in time still sends its
# answers (a client who opened the form just before the end, and answered slowly).
LATE_SEND_SECONDS = 3600.0


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
    state: str  # "waiting" | "used" | "expired" | "replaced"
    used_at: float | None = None
    saved: str | None = None  # the QuestionnaireResponse id once stored ("" while queued)
    session_day: str = ""  # the session's date as the client reads it ("" when unknown)
    opened: float | None = None  # when the client first opened the form


def _link(record: dict[str, Any], now: float) -> ClientLink:
    state = str(record["state"])
    if state == "waiting" and now >= float(record["expires"]):
        state = "expired"
    return ClientLink(str(record["iss"]), str(record["patient"]), str(record["encounter"]),
                      str(record["questionnaire"]), str(record["submission_id"]),
                      float(record["created"]), float(record["expires"]), state,
                      record.get("used_at"), record.get("saved"),
                      str(record.get("session_day") or ""), record.get("opened"))


def _pad(key: str) -> bytes:
    return hashlib.sha512(f"alliance-panel shown link\x00{key}".encode()).digest()


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=False))


class ClientLinks:
    def __init__(self, store: SessionStore, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def create(self, *, iss: str, patient: str, encounter: str, questionnaire_id: str,
               lifetime: float, session_day: str = "") -> str:
        """A new link for this client, session and form, valid ``lifetime`` seconds; returns
        the capability (shown once; only its digest is kept). A link of the same session and
        form still waiting is replaced: it opens nothing more."""
        now = self._clock()
        capability = secrets.token_urlsafe(32)
        record = {"iss": iss, "patient": patient, "encounter": encounter,
                  "questionnaire": questionnaire_id, "submission_id": str(uuid.uuid4()),
                  "created": now, "expires": now + lifetime, "state": "waiting",
                  "session_day": session_day}
        key = digest(capability)
        session = session_key(iss, patient, encounter)
        known = self._store.get(SESSION_KIND, session) or {"links": []}
        for old in known["links"]:
            self._replace(str(old), questionnaire_id, now)
        self._store.put(KIND, key, record, lifetime + KEEP_AFTER)
        links = [*known["links"], key][-MAX_PER_SESSION:]
        self._store.put(SESSION_KIND, session, {"links": links}, lifetime + KEEP_AFTER)
        return capability

    def _replace(self, key: str, questionnaire_id: str, now: float) -> None:
        record = self._store.get(KIND, key)
        if (record is None or record.get("questionnaire") != questionnaire_id
                or _link(record, now).state != "waiting"):
            return
        remaining = float(record["expires"]) + KEEP_AFTER - now
        self._store.put(KIND, key, {**record, "state": "replaced", "used_at": now},
                        max(remaining, 60.0))

    def seal(self, capability: str, owner: str) -> str:
        """Keep a new link's capability for one showing to ``owner`` (the clinician's handle);
        returns the key the redirect's address carries. The store keeps only the capability
        sealed with that key, and the key's digest."""
        key = secrets.token_urlsafe(32)
        sealed = base64.urlsafe_b64encode(_xor(capability.encode(), _pad(key))).decode()
        self._store.put(SHOWN_KIND, digest(key), {"owner": owner, "sealed": sealed},
                        SHOWN_SECONDS)
        return key

    def unseal(self, key: str, owner: str) -> str | None:
        """The capability ``seal`` kept, once, for its owner; None after that (a reload)."""
        if not key or len(key) > 128:
            return None
        kept = self._store.take(SHOWN_KIND, digest(key))
        if kept is None or kept.get("owner") != owner:
            return None
        return _xor(base64.urlsafe_b64decode(str(kept["sealed"])), _pad(key)).decode()

    def find(self, capability: str) -> ClientLink | None:
        """The link a capability names, whatever its state; None for one never made (or gone)."""
        if not capability or len(capability) > 128:
            return None
        record = self._store.get(KIND, digest(capability))
        return None if record is None else _link(record, self._clock())

    def usable(self, capability: str, *, late: bool = False) -> ClientLink | None:
        """The link when it still takes answers: made, not used, not expired; with ``late``,
        also an expired one whose form was opened before it expired, for LATE_SEND_SECONDS
        after (the page's answers, never a new opening)."""
        link = self.find(capability)
        if link is None:
            return None
        if link.state == "waiting":
            return link
        if (late and link.state == "expired" and link.opened is not None
                and link.opened < link.expires <= self._clock() < link.expires + LATE_SEND_SECONDS):
            return link
        return None

    def opened(self, capability: str) -> None:
        """The client opened the form (the first time counts)."""
        key = digest(capability)
        record = self._store.get(KIND, key)
        if record is None or record.get("opened") is not None:
            return
        now = self._clock()
        self._store.put(KIND, key, {**record, "opened": now},
                        max(float(record["expires"]) + KEEP_AFTER - now, 60.0))

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
