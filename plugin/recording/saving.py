"""The write path of a new rating: one per slot, written to the outbox, then sent.

    Saving(outbox, one_rating, drafts).save(store, who, bundle) -> SaveOutcome

`save` claims the rating's slot (plugin/recording/one_rating.py: the record store is searched
and a claim taken in the session store), writes the Bundle to the outbox with everything a
later retry needs (which server, which launch, whose), and sends it once. The outcome says what
the clinician must be told: "sent" (stored now), "queued" (kept, sent when the server takes
it, with the reason), "failed" (refused for good: nothing stored, the slot is free again),
"taken" (this session already has such a rating: nothing stored) or "conflict" (the
submission id is bound to another launch's save, which is left as it was: nothing stored).
`origin` says whose hands the answers came through ("clinician", or "handoff" for the client's
own answers), so the list of ratings not yet stored can say whose answers wait. `change` sends
a correction or an entered-in-error of a stored rating the same way (outbox first).

`OutboxClients` gives the outbox the client for an item: the launch's token (refreshed while
the launch lives) for the EHR, backend services for a companion store.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError
from plugin.fhir.stores import BACKEND_SCOPES, RecordStore, RecordStores
from plugin.launch.errors import LaunchError
from plugin.launch.launches import Launches
from plugin.recording.drafts import DraftOwner, Drafts
from plugin.recording.errors import OutboxWaiting
from plugin.recording.one_rating import Existing, OneRating, Slot, find_stored
from plugin.recording.outbox import Outbox, OutboxWorker
from smart_launch import LaunchContext
from smart_launch.errors import SmartLaunchError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Who:
    """The launch a save comes from, as the outbox and drafts need it."""

    iss: str
    handle: str
    practitioner: str | None  # fhirUser reference, for a later launch to carry on a queued save
    patient_id: str
    encounter_id: str


@dataclass(frozen=True)
class SaveOutcome:
    state: str  # "sent" | "queued" | "failed" | "taken" | "conflict"
    qr_id: str | None = None
    reason: str = ""  # technical, for the log (plugin/recording/outbox.py)
    why: str = ""  # the machine word the page says in the clinician's words
    via: str = "transaction"  # or "entries": one conditional create per entry
    existing: Existing | None = None
    error: FhirError | None = None  # why it failed, for the page in front of the clinician
    item_id: str = ""  # its outbox item


def slot_of(store: RecordStore, who: Who, rater: str, questionnaire_url: str) -> Slot:
    return Slot(who.iss, store.ref("Patient", who.patient_id),
                store.ref("Encounter", who.encounter_id), rater, questionnaire_url)


class Saving:
    def __init__(self, outbox: Outbox, one_rating: OneRating, drafts: Drafts) -> None:
        self.outbox, self.one_rating, self.drafts = outbox, one_rating, drafts
        self.worker: OutboxWorker | None = None  # started by create_app when asked to

    def existing(self, store: RecordStore, slot: Slot) -> Existing | None:
        """The rating already in this slot: waiting in the outbox, or stored."""
        return self.one_rating.pending(slot) or _search(store, slot)

    def save(self, store: RecordStore, who: Who, bundle: Mapping[str, Any], *, rater: str,
             questionnaire_url: str, submission_id: str, draft: DraftOwner | None = None,
             origin: str = "clinician") -> SaveOutcome:
        slot = slot_of(store, who, rater, questionnaire_url)
        item = {**_where(store, who), "id": submission_id, "kind": "rating", "origin": origin,
                "bundle": dict(bundle), "encounter": who.encounter_id, "rater": rater,
                "questionnaire": questionnaire_url}
        if not self.outbox.bind(item):  # another launch's submission id: left untouched
            return SaveOutcome("conflict")
        held = self.one_rating.claim(slot, submission_id, lambda: _search(store, slot))
        if held is not None:
            return SaveOutcome("taken", held.qr_id, existing=held)
        state = self.outbox.submit(item)
        if state["state"] == "conflict":
            return SaveOutcome("conflict")
        if state["state"] == "failed":  # the page says so and keeps the answers
            self.outbox.forget(submission_id)
            self.one_rating.release(slot, submission_id)
        elif draft is not None:  # stored or safely queued: the draft has done its job
            self.drafts.discard(draft)
        return SaveOutcome(state["state"], state.get("qr_id"), state.get("reason", ""),
                           state.get("why", ""), state.get("via", "transaction"))


    def change(self, store: RecordStore, who: Who, bundle: Mapping[str, Any], *, kind: str,
               rater: str, encounter: str) -> SaveOutcome:
        """A correction or an entered-in-error of a stored rating (`kind`): written to the
        outbox, then sent, like a save; one interrupted part-way is completed once when the
        outbox sends it again. Refused for good: nothing is kept, the page says why."""
        item_id = str(uuid.uuid4())
        item = {**_where(store, who), "id": item_id, "kind": kind, "bundle": dict(bundle),
                "rater": rater, "encounter": encounter}
        state = self.outbox.submit(item)
        if state["state"] == "failed":
            self.outbox.forget(item_id)
        return SaveOutcome(state["state"], state.get("qr_id"), state.get("reason", ""),
                           state.get("via", "transaction"), error=state.get("error"),
                           item_id=item_id)


def not_yet_stored(before: list[dict[str, Any]], after: list[dict[str, Any]],
                   responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the panel lists as not yet stored, each rating once: `before` and `after` are the
    outbox's unsent items of the patient read just before and just after the panel's records
    (`responses`). An item still unsent after the read is not in it; a save sent during the
    read is listed only when the read missed it, so it is shown once, never twice or not at
    all. A change (correction) sent during the read is dropped: its record is shown."""
    still = {i["id"] for i in after}
    stored = {_submission_of(qr) for qr in responses}
    sent_meanwhile = [i for i in before if i["id"] not in still
                      and i.get("kind", "rating") == "rating" and i["id"] not in stored]
    return sorted(after + sent_meanwhile, key=lambda i: float(i["created"]))


def _submission_of(qr: Mapping[str, Any]) -> str:
    identifier = qr.get("identifier")
    return str(identifier.get("value") or "") if isinstance(identifier, dict) else ""


def _where(store: RecordStore, who: Who) -> dict[str, Any]:
    """What a later retry needs to send an item: which server, which launch, whose."""
    return {"iss": who.iss, "where": store.where, "base": store.client.base_url,
            "transactions": store.transactions, "handle": who.handle,
            "practitioner": who.practitioner, "patient": who.patient_id}


def _search(store: RecordStore, slot: Slot) -> Existing | None:
    """The stored rating in the slot; when the store cannot be searched now, the claims in
    the session store decide alone (they hold every rating this app saved or queued)."""
    try:
        return find_stored(store.client, slot)
    except FhirError as err:
        log.warning("searching for an earlier rating failed: %s", err.code)
        return None


class OutboxClients:
    """`connect(item)` for the Outbox: a FhirClient with a token for the item's server, which
    is always a server of the item's own EHR (its `iss`): that EHR through the launch's token,
    or the companion store that EHR's settings name, with that EHR's backend client. An item
    without an issuer (none is written so; kept for items of an older format) goes to the one
    configured companion store at the address it was queued for, or waits.
    `ehr_client(context)` makes the client for a launch's EHR (create_app gives the
    transport)."""

    def __init__(self, launches: Launches, stores: RecordStores,
                 ehr_client: Callable[[LaunchContext], FhirClient]) -> None:
        self._launches, self._stores, self._ehr_client = launches, stores, ehr_client

    def __call__(self, item: Mapping[str, Any]) -> FhirClient:
        iss = str(item.get("iss") or "")
        if item.get("where") == "companion":
            return self._companion(iss, str(item.get("base") or ""))
        try:
            context = self._launches.context_for_server(str(item.get("handle") or ""))
        except (LaunchError, SmartLaunchError) as err:
            raise OutboxWaiting("the launch that made this save has ended; it is sent when the "
                                "app is opened again for this patient",
                                code="recording.launch_ended") from err
        if iss and context.iss.rstrip("/") != iss.rstrip("/"):  # never another EHR's token
            raise OutboxWaiting("the launch holding this save belongs to another EHR",
                                code="recording.launch_ended")
        return self._ehr_client(context)

    def _companion(self, iss: str, base: str) -> FhirClient:
        if iss:
            stores = self._stores.for_issuer(iss)
        else:  # an older item: only where its address names exactly one configured store
            matching = self._stores.with_companion(base)
            stores = matching[0] if len(matching) == 1 else None
        client = stores.companion_client(BACKEND_SCOPES) if stores is not None else None
        if client is None:
            raise OutboxWaiting("no companion record store is configured for this EHR any "
                                "more", code="recording.no_companion")
        if base and client.base_url != base.rstrip("/"):
            log.warning("a queued save goes to its EHR's companion store as configured now, "
                        "not the address it was queued for")
        return client
