"""One rating per session, rater and form: a second one becomes a correction of the first.

Checked on the server at every save, not only when the form is drawn, so that a stale page (Back
after a save, a second tab) cannot store a second rating:

- the record store is searched for a live rating (completed or amended, not entered-in-error)
  of the same patient, session (encounter), form (Questionnaire) and rater;
- a claim in the session store (an atomic `add`, keyed by EHR, patient, session, rater and
  form) holds the place of a save that is still queued in the outbox, and settles two saves
  that arrive at the same moment: one wins, the other is told.

The same submission sent again (a double click, a resend) is not a second rating. A different
rater (client and therapist) or another form for the same session stays allowed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from plugin.alliance.vocabulary import RATER_ROLE_EXTENSION
from plugin.fhir.client import FhirClient
from plugin.fhir.record_resources import SUBMISSION_SYSTEM
from plugin.launch.session_store import SessionStore
from plugin.recording.outbox import Outbox

KIND = "rating-claim"
LIVE = ("completed", "amended")


@dataclass(frozen=True)
class Slot:
    """The place of one rating: who rates which session on which form."""

    iss: str
    patient: str  # reference as the record store writes it
    encounter: str
    rater: str
    questionnaire: str  # canonical URL

    @property
    def key(self) -> str:
        text = "\x00".join((self.iss, self.patient, self.encounter, self.rater,
                            self.questionnaire))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Existing:
    """The rating already in a slot: stored (with its id) or waiting in the outbox."""

    submission_id: str
    qr_id: str | None
    authored: str = ""

    @property
    def queued(self) -> bool:
        return self.qr_id is None


def _rater(qr: Mapping[str, Any]) -> str:
    for ext in qr.get("extension") or []:
        if ext.get("url") == RATER_ROLE_EXTENSION:
            return str((ext.get("valueCoding") or {}).get("code") or "")
    return ""


def _submission(qr: Mapping[str, Any]) -> str:
    identifier = qr.get("identifier") or {}
    if isinstance(identifier, list):
        identifier = next((i for i in identifier if i.get("system") == SUBMISSION_SYSTEM), {})
    return str(identifier.get("value") or qr.get("id") or "")


def find_stored(client: FhirClient, slot: Slot) -> Existing | None:
    """The live rating in this slot on the record store, if any (newest when several)."""
    found = [
        qr for qr in client.search("QuestionnaireResponse",
                                   {"subject": slot.patient, "_count": "200"})
        if (qr.get("encounter") or {}).get("reference") == slot.encounter
        and str(qr.get("questionnaire") or "").split("|")[0] == slot.questionnaire
        and _rater(qr) == slot.rater and qr.get("status") in LIVE
    ]
    if not found:
        return None
    newest = max(found, key=lambda qr: str(qr.get("authored") or ""))
    return Existing(_submission(newest), str(newest.get("id")), str(newest.get("authored") or ""))


class OneRating:
    """`ttl`: how long a claim lasts (as long as an outbox item is kept). `grace`: how long a
    fresh claim counts as a save in progress before its outbox item is written."""

    def __init__(self, store: SessionStore, outbox: Outbox, *, ttl: float, grace: float = 120.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._store, self._outbox, self._ttl = store, outbox, ttl
        self._grace, self._clock = grace, clock

    def pending(self, slot: Slot) -> Existing | None:
        """A save in this slot that is in progress, or queued or failed in the outbox."""
        claim = self._store.get(KIND, slot.key)
        if claim is None:
            return None
        item = self._outbox.get(claim["submission"])
        if item is None and self._clock() - float(claim.get("at", 0)) < self._grace:
            return Existing(str(claim["submission"]), None)
        if item is not None and item["state"] in ("queued", "failed"):
            return Existing(str(item["id"]), None)
        return None

    def claim(self, slot: Slot, submission_id: str,
              search: Callable[[], Existing | None]) -> Existing | None:
        """Take the slot for this submission; returns the rating that holds it instead, or
        None when this submission may be saved. `search` is `find_stored` for the slot."""
        stored = search()
        if stored is not None and stored.submission_id != submission_id:
            return stored
        value = {"submission": submission_id, "at": self._clock()}
        for _ in range(2):  # a claim that expires between add and get: try once more
            if self._store.add(KIND, slot.key, value, self._ttl):
                return None
            held = self._store.get(KIND, slot.key)
            if held is not None:
                break
        else:
            return Existing("", None)
        if held["submission"] == submission_id:
            return None
        waiting = self.pending(slot)
        if waiting is not None:
            return waiting
        # The claimed save was sent (so the store has it, unless it was nullified since):
        # look again now, after the claim, so that a save sent meanwhile is seen.
        stored = search()
        if stored is not None and stored.submission_id != submission_id:
            return stored
        self._store.put(KIND, slot.key, value, self._ttl)
        return None

    def release(self, slot: Slot, submission_id: str) -> None:
        """Give the slot up after a save that was refused for good (nothing was stored)."""
        held = self._store.get(KIND, slot.key)
        if held is not None and held["submission"] == submission_id:
            self._store.delete(KIND, slot.key)
