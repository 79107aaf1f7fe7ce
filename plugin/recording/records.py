"""A stored alliance record read back, corrected, or marked entered-in-error.

Reading takes one batch round trip (the response, its scores, its history, its Provenance).
A correction is a new version and a mistake is nullified by a new version too, never a DELETE:
the history keeps every version, and the scores follow. Both go through the outbox like a first
save (plugin/recording/saving.py), so one that is interrupted part-way is completed once; the
outcome says what the clinician is told, and the web layer keeps what was typed on the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from plugin import APP_NAME, __version__
from plugin.alliance import (
    AllianceError,
    Answer,
    Score,
    answers_from_questionnaire_response,
    score_questionnaire_response,
)
from plugin.alliance.vocabulary import Rater
from plugin.fhir.client import bundle_resources
from plugin.fhir.readers import current_version, rater_of, reference, version_number
from plugin.fhir.record_bundles import build_correction_bundle, build_entered_in_error_bundle
from plugin.fhir.stores import RecordStore
from plugin.recording.catalogue import FormCatalogue, RecordForm
from plugin.recording.saving import SaveOutcome, Saving, Who
from plugin.recording.submission import Now, correction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredRecord:
    qr: dict[str, Any]
    observations: list[dict[str, Any]]
    versions: list[dict[str, Any]]  # newest first
    provenance: list[dict[str, Any]]  # the audit trail: who changed what, when, why; newest first
    form: RecordForm
    answers: dict[str, Answer] = field(default_factory=dict)
    score: Score | None = None

    @property
    def id(self) -> str:
        return str(self.qr.get("id"))

    @property
    def version(self) -> str:
        return current_version(self.qr)

    @property
    def status(self) -> str:
        return str(self.qr.get("status") or "unknown")

    @property
    def rater(self) -> Rater:
        return rater_of(self.qr) or self.form.rater

    @property
    def entered_by(self) -> str:
        """Who entered the answers: "client" (their own hand, a hand-off or a portal) or
        "clinician" (the clinician's own rating, or a client's paper form typed in)."""
        author = reference(self.qr, "author").split("/", 1)[0]
        return "client" if author in ("Patient", "RelatedPerson") else "clinician"

    @property
    def submission_id(self) -> str:
        identifier = self.qr.get("identifier") or {}
        return str(identifier.get("value") or self.id)

    @property
    def encounter_id(self) -> str:
        return reference(self.qr, "encounter").rsplit("/", 1)[-1]

    @property
    def subject(self) -> str:
        return reference(self.qr, "subject")


def read_record(store: RecordStore, catalogue: FormCatalogue, qr_id: str) -> StoredRecord:
    """The response, its current score Observations, its versions and its Provenance (newest
    first), read in one batch round trip."""
    target = f"QuestionnaireResponse/{qr_id}"
    qr, observation_set, history, provenance_set = store.client.batch([
        target,
        f"Observation?{urlencode({'derived-from': target, '_count': '50'})}",
        f"{target}/_history",
        f"Provenance?{urlencode({'target': target, '_count': '50'})}",
    ])
    observations = [
        o for o in bundle_resources(observation_set, "Observation")
        if o.get("status") != "entered-in-error" or qr.get("status") == "entered-in-error"
    ]
    versions = sorted(bundle_resources(history, "QuestionnaireResponse"), key=version_number,
                      reverse=True)
    provenance = sorted(bundle_resources(provenance_set, "Provenance"),
                        key=lambda p: str(p.get("recorded") or ""), reverse=True)
    form = catalogue.for_response(qr)
    answers = answers_from_questionnaire_response(qr)
    try:
        score: Score | None = score_questionnaire_response(form.instrument, qr)
    except AllianceError as err:  # a stored response we cannot score is still shown
        log.warning("stored response not scorable: %s", err.code)
        score = None
    return StoredRecord(qr, observations, versions, provenance, form, answers, score)


def _change(saving: Saving, store: RecordStore, who: Who, record: StoredRecord,
            bundle: dict[str, Any], kind: str) -> SaveOutcome:
    outcome = saving.change(store, who, bundle, kind=kind, rater=record.rater,
                            encounter=record.encounter_id)
    log.info("alliance response %s: %s (%s)", kind, outcome.state, store.where)
    return outcome


def correct_record(saving: Saving, store: RecordStore, who: Who, record: StoredRecord,
                   answers: dict[str, Answer], *, version: str, corrector: str, reason: str,
                   organization: str | None, now: Now) -> SaveOutcome:
    """A new version of the response (status ``amended``, If-Match on ``version``), its scores
    updated and a Provenance naming the corrector and the reason; written to the outbox and
    sent, so an interrupted correction is completed once (plugin/recording/outbox.py)."""
    submission = correction(record.qr, record.form, record.rater, record.submission_id, answers,
                            corrector=corrector, reason=reason, organization=organization,
                            now=now)
    bundle = build_correction_bundle(submission, record.qr, version, record.observations)
    return _change(saving, store, who, record, bundle, "correction")


def mark_entered_in_error(saving: Saving, store: RecordStore, who: Who, record: StoredRecord, *,
                          version: str, author: str, reason: str, organization: str | None,
                          now: Now) -> SaveOutcome:
    """The response and its scores become ``entered-in-error`` (a new version, never a
    DELETE: the history keeps every version) with a Provenance giving the reason; through the
    outbox like a correction."""
    bundle = build_entered_in_error_bundle(
        record.qr, version, record.observations, author=author, reason=reason,
        recorded=now(), app_name=APP_NAME, app_version=__version__, organization=organization)
    return _change(saving, store, who, record, bundle, "entered-in-error")
