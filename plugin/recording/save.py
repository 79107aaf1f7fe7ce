"""What a saved submission came back as: the QuestionnaireResponse's id and version, read from
the server's transaction-response. The saving itself (outbox first, then one transaction Bundle
or entry by entry) is plugin/recording/saving.py and outbox.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
