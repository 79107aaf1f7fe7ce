"""Sending one Bundle the outbox holds (a first save, a correction, an entered-in-error) and
what it came back as: the QuestionnaireResponse's id, read from the server's answer. The saving
itself (outbox first, then this) is plugin/recording/saving.py and outbox.py.

A Bundle sent again after its answer was lost completes, never doubles: creates are
conditional, and an update that already went through is recognised (plugin/fhir/applied.py),
sent as one transaction or, where the server takes none, entry by entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugin.fhir.applied import bundle_applied
from plugin.fhir.client import FhirClient
from plugin.fhir.entry_writes import write_entries
from plugin.fhir.errors import FhirConflict
from plugin.fhir.readers import location_id, version_id
from plugin.recording.errors import RecordingRefused


@dataclass(frozen=True)
class Saved:
    qr_id: str
    version: str | None


def saved_from(answer: Mapping[str, Any]) -> Saved:
    """The QuestionnaireResponse's id and version from a transaction-response."""
    for entry in answer.get("entry") or []:
        response = entry.get("response") or {}
        resource = entry.get("resource") or {}
        found = location_id(str(response.get("location") or ""), "QuestionnaireResponse")
        if found is not None:
            return Saved(found[0], found[1] or version_id(resource))
        if resource.get("resourceType") == "QuestionnaireResponse":
            return Saved(str(resource.get("id")), version_id(resource))
    raise RecordingRefused("The FHIR server answered without the saved response.",
                           code="recording.no_response_saved")


def qr_url(bundle: Mapping[str, Any]) -> str:
    """The key of the QuestionnaireResponse's entry (its fullUrl, or "#n" for an update)."""
    for number, entry in enumerate(bundle.get("entry") or [], start=1):
        if (entry.get("resource") or {}).get("resourceType") == "QuestionnaireResponse":
            return str(entry.get("fullUrl") or f"#{number}")
    return "#1"


def send_bundle(client: FhirClient, bundle: Mapping[str, Any],
                transactions: bool) -> tuple[str, str]:
    """Send it once (or complete what an interrupted send began); returns the response's id
    and how it went ("transaction" or "entries"). Raises the FhirError that stopped it."""
    if not transactions:
        ids = write_entries(client, bundle).ids
        return ids.get(qr_url(bundle), "").split("/")[-1], "entries"
    try:
        return saved_from(client.transaction(bundle, idempotent=True)).qr_id, "transaction"
    except FhirConflict:  # an update in it is not at the version it names: done already?
        done = bundle_applied(client, bundle)
        if done is None:
            raise
        return done.get(qr_url(bundle), "").split("/")[-1], "transaction"
