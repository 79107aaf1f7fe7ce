"""The outbox: every save is written durably before it is sent, and sent exactly once.

A save is first put in the session store (kind "outbox", encrypted like everything there, keyed
by its business identifier, the submission id) and only then sent. When the FHIR server takes
it, the item is marked sent. When it cannot take it now (no connection, a timeout, a status
plugin/fhir/retry.py calls worth another try such as 429, 503 or an expired token's 401, a launch
that ended), the item stays queued and is retried with backoff by
`OutboxWorker`, also after a restart of the app (`values("outbox")` lists what is left). A
refusal that no retry can change (the server says the record is invalid) marks it failed, with
the reason; nothing is deleted without being stored. Each unsent item keeps `reason` (technical:
code and message, for the log and the integrator) and `why` (a machine word; the web layer says
it in the clinician's words).

Exactly once: the Bundle's entries are conditional creates on the submission's identifiers, so
a resend after an answer was lost matches what the first send stored; a lease (an atomic `add`)
keeps two senders from sending one item at the same time. A correction or an entered-in-error
(kind "correction" / "entered-in-error") is an item too: its updates carry If-Match, and a resend
after an interruption recognises the ones already made (plugin/recording/bundle_sender.py), so
the change completes once, on a server with transactions or entry by entry.

Which server and token: `connect(item)` (given by the web layer) returns a FhirClient: the
launch's own, refreshed with its refresh token while the launch lives, or the companion store's
backend-services client. It raises `OutboxWaiting` when no token can be had now.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import (
    FhirAuthError,
    FhirError,
    FhirTransportError,
    RecordStoreSignInFailed,
)
from plugin.fhir.retry import retryable
from plugin.launch.session_store import SessionStore
from plugin.recording.bundle_sender import send_bundle
from plugin.recording.errors import OutboxWaiting, RecordingRefused

log = logging.getLogger(__name__)

KIND = "outbox"
LEASE = "outbox-lease"
OWNER = "outbox-owner"
OWNER_FIELDS = ("iss", "practitioner", "patient", "encounter", "rater", "questionnaire")


@dataclass(frozen=True)
class OutboxPolicy:
    """Retry timing. Project defaults: first retry after 2 s, doubling to at most 5 min; a
    queued item is kept 14 days; a sent one 1 day (so a resend finds it); a send holds its
    lease at most 120 s (a crashed sender's item is retried after that)."""

    first_retry: float = 2.0
    max_retry: float = 300.0
    keep_queued: float = 14 * 86400.0
    keep_sent: float = 86400.0
    lease: float = 120.0

    def delay(self, attempts: int) -> float:
        return float(min(self.first_retry * 2 ** max(attempts - 1, 0), self.max_retry))


def why_unsent(err: FhirError) -> str:
    """Why an item is not stored, as a machine word the web layer turns into the clinician's
    sentence (plugin/wording/trouble.py): "unreachable", "store_unreachable" (no token from the
    companion record store), "not_allowed", "busy", "ehr_error" (worth retrying) or "refused"
    (no retry can change it)."""
    if isinstance(err, RecordStoreSignInFailed):
        return "store_unreachable"
    if isinstance(err, FhirTransportError):
        return "unreachable"
    if not retryable(err):
        return "refused"
    if isinstance(err, FhirAuthError):
        return "not_allowed"
    if err.upstream_status in (429, 503):
        return "busy"
    return "ehr_error"


def owner_of(item: Mapping[str, Any]) -> dict[str, str]:
    """Whose an item is: the EHR, practitioner, patient, session, rater and form it was first
    sent for. A submission id is bound to its owner: another launch posting it is refused."""
    return {field: str(item.get(field) or "") for field in OWNER_FIELDS}


def technical_reason(err: FhirError) -> str:
    """The failure for the log and the integrator: the error's code and message (a status, the
    server's own words), never patient data or tokens."""
    return f"{err.code}: {err.message}"[:300]


class Outbox:
    def __init__(self, store: SessionStore, connect: Callable[[Mapping[str, Any]], FhirClient], *,
                 clock: Callable[[], float] = time.time,
                 policy: OutboxPolicy | None = None) -> None:
        self._store = store
        self._connect = connect
        self._clock = clock
        self.policy = policy or OutboxPolicy()

    def bind(self, item: Mapping[str, Any]) -> bool:
        """Bind the item's id to its owner (`owner_of`) on first use, atomically. False when
        the id is bound to or held by another owner: that owner's save is never replaced."""
        owner = owner_of(item)
        known = self._store.get(KIND, item["id"])
        if known is not None and owner_of(known) != owner:
            return False
        if self._store.add(OWNER, item["id"], owner, self.policy.keep_queued):
            return True
        held = self._store.get(OWNER, item["id"])
        return held is None or owner_of(held) == owner

    def submit(self, item: dict[str, Any]) -> dict[str, Any]:
        """Write the item durably, then try to send it once. Returns its state: "sent",
        "queued" (with `reason`), "failed", or "conflict" (the id is another owner's item:
        left as it is, nothing written). The same submission id twice sends once."""
        known = self._store.get(KIND, item["id"])
        if known is not None and owner_of(known) != owner_of(item):
            log.warning("a submission id of another launch was refused")
            return {"id": item["id"], "state": "conflict"}
        if known is not None and known["state"] == "sent":
            return known
        now = self._clock()  # new, or sent again from the page (perhaps corrected): queue it
        item = {**item, "state": "queued", "attempts": int((known or {}).get("attempts", 0)),
                "next_try": now, "reason": "", "why": "",
                "created": (known or {}).get("created", now), "qr_id": None}
        self._store.put(KIND, item["id"], item, self.policy.keep_queued)
        return self.attempt(item["id"])

    def forget(self, item_id: str) -> None:
        """Drop an item refused for good while the clinician still has the page (and the
        answers) in front of them."""
        self._store.delete(KIND, item_id)

    def get(self, item_id: str) -> dict[str, Any] | None:
        return self._store.get(KIND, item_id)

    def attempt(self, item_id: str) -> dict[str, Any]:
        """Send one item now unless another sender holds it."""
        item = self._store.get(KIND, item_id)
        if item is None or item["state"] in ("sent", "failed"):
            return item or {"id": item_id, "state": "unknown"}
        if not self._store.add(LEASE, item_id, {"at": self._clock()}, self.policy.lease):
            return item  # being sent by someone else right now
        try:
            return self._send(item)
        finally:
            self._store.delete(LEASE, item_id)

    def _send(self, item: dict[str, Any]) -> dict[str, Any]:
        item = {**item, "attempts": int(item["attempts"]) + 1}
        try:
            client = self._connect(item)
            qr_id, via = send_bundle(client, item["bundle"], bool(item.get("transactions", True)))
        except (OutboxWaiting, RecordingRefused) as err:  # RecordingRefused: stored, but the
            return self._requeue(item, err.message, err.code)  # answer named no response
        except FhirError as err:
            log.warning("outbox send failed: %s (attempt %d)", err.code, item["attempts"])
            if retryable(err):
                return self._requeue(item, technical_reason(err), why_unsent(err))
            item.update(state="failed", reason=technical_reason(err), why=why_unsent(err))
            self._store.put(KIND, item["id"], item, self.policy.keep_queued)
            return {**item, "error": err}  # for the page in front of the clinician, not stored
        item.update(state="sent", qr_id=qr_id, via=via, reason="", why="", sent=self._clock())
        self._store.put(KIND, item["id"], item, self.policy.keep_sent)
        log.info("outbox item sent (%s, attempt %d)", via, item["attempts"])
        return item

    def _requeue(self, item: dict[str, Any], reason: str, why: str) -> dict[str, Any]:
        item.update(state="queued", reason=reason, why=why,
                    next_try=self._clock() + self.policy.delay(int(item["attempts"])))
        self._store.put(KIND, item["id"], item, self.policy.keep_queued)
        return item

    def items(self) -> list[dict[str, Any]]:
        return list(self._store.values(KIND))

    def due(self) -> list[str]:
        now = self._clock()
        return [i["id"] for i in self.items()
                if i["state"] == "queued" and float(i["next_try"]) <= now]

    def run_due(self) -> int:
        """Send every item whose time has come; returns how many were sent."""
        return sum(self.attempt(item_id)["state"] == "sent" for item_id in self.due())

    def unsent_for(self, iss: str, patient: str) -> list[dict[str, Any]]:
        """Queued and failed items of one patient (for the panel), oldest first."""
        return sorted((i for i in self.items() if i["state"] in ("queued", "failed")
                       and i.get("iss") == iss and i.get("patient") == patient),
                      key=lambda i: float(i["created"]))

    def rehome(self, old: str, new: str) -> int:
        """The launch moved to a new handle (a hand-off begins or ends): its queued items go on
        with it, so they are sent with its token without waiting for a panel view (`adopt`),
        even when the launch names no practitioner."""
        moved = 0
        for item in self.items():
            if item["state"] == "queued" and item.get("handle") == old:
                item.update(handle=new)
                self._store.put(KIND, item["id"], item, self.policy.keep_queued)
                moved += 1
        return moved

    def adopt(self, iss: str, practitioner: str | None, handle: str) -> int:
        """A new launch of the same practitioner at the same EHR carries on the items whose
        launch ended: their retries use its token from now on."""
        adopted = 0
        for item in self.items():
            if (item["state"] == "queued" and item.get("where") == "ehr"
                    and item.get("iss") == iss and practitioner
                    and item.get("practitioner") == practitioner and item.get("handle") != handle):
                item.update(handle=handle, next_try=self._clock())
                self._store.put(KIND, item["id"], item, self.policy.keep_queued)
                adopted += 1
        return adopted


class OutboxWorker:
    """A daemon thread that sends due items every `interval` seconds until stopped."""

    def __init__(self, outbox: Outbox, interval: float = 1.0) -> None:
        self._outbox = outbox
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alliance-outbox", daemon=True)

    def start(self) -> OutboxWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._outbox.run_due()
            except Exception as err:  # noqa: BLE001 - the worker outlives any one failure
                log.error("outbox run failed: %s", type(err).__name__)
