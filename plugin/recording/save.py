"""Saving a submission: one transaction Bundle, sent once however often the form is posted.

The Bundle's conditional creates (see plugin/fhir/record_bundles.py) make a resend store nothing
new, so a double click or a retry after a lost answer is harmless. Returns only after the FHIR
server answered; its failures surface as plugin.fhir.errors.FhirError.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugin.fhir.readers import location_id, version_id
from plugin.fhir.record_bundles import Submission, build_submission_bundle
from plugin.fhir.stores import RecordStore
from plugin.recording.errors import RecordingRefused

log = logging.getLogger(__name__)


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


def save_submission(store: RecordStore, submission: Submission) -> Saved:
    """Send one submission as one transaction; the same submission id stores one set of
    records however often it is sent."""
    answer = store.client.transaction(build_submission_bundle(submission), idempotent=True)
    saved = saved_from(answer)
    log.info("alliance response saved (%s-rated, %s)", submission.rater, store.where)
    return saved
