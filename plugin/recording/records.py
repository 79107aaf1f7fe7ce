"""Recording a session's alliance: saving, reading, correcting and nullifying the records.
Framework-free (no flask); plugin/web/record_routes.py is the web glue, catalogue.py
says which forms are offered.

Public API::

    save_submission(store, submission, *, enterer=None) -> Saved   # one transaction Bundle
    read_record(store, qr_id) -> StoredRecord            # response, scores, versions
    correct_record(store, record, answers, version, author, reason, ...) -> Saved
    mark_entered_in_error(store, record, version, author, reason, ...) -> Saved

The hand-off lock lives in plugin/recording/handoff.py. Failures of the FHIR server surface as
plugin.fhir.errors.FhirError (the web layer keeps the typed answers on the page); a request the
app will not carry out (no session in context, unknown form) is a ``RecordingRefused``.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from plugin import APP_NAME, __version__
from plugin.alliance import AllianceError as DomainError
from plugin.alliance import (
    Answer,
    Score,
    answers_from_questionnaire_response,
    score_questionnaire_response,
)
from plugin.alliance.vocabulary import RATER_ROLE_EXTENSION
from plugin.config import Settings
from plugin.fhir.client import bundle_resources
from plugin.fhir.record_bundles import (
    Submission,
    build_correction_bundle,
    build_entered_in_error_bundle,
    build_submission_bundle,
)
from plugin.fhir.record_resources import PARTICIPANT_TYPE
from plugin.fhir.stores import RecordStore
from plugin.recording.catalogue import RecordForm, RecordingRefused, form_for_response

log = logging.getLogger(__name__)

_QR_LOCATION = re.compile(r"(?:^|/)QuestionnaireResponse/([A-Za-z0-9\-.]{1,64})(?:/|$)")


def now() -> datetime.datetime:
    """The current time, timezone-aware (tests may replace this function)."""
    return datetime.datetime.now(datetime.UTC)


# -- saving ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Saved:
    qr_id: str
    version: str | None


def _saved_from(answer: Mapping[str, Any]) -> Saved:
    """The QuestionnaireResponse's id and version from a transaction-response."""
    for entry in answer.get("entry") or []:
        response = entry.get("response") or {}
        resource = entry.get("resource") or {}
        match = _QR_LOCATION.search(str(response.get("location") or ""))
        if match or resource.get("resourceType") == "QuestionnaireResponse":
            qr_id = match.group(1) if match else str(resource.get("id"))
            location = str(response.get("location") or "")
            version = location.rsplit("/_history/", 1)[1] if "/_history/" in location else None
            return Saved(qr_id, version or (resource.get("meta") or {}).get("versionId"))
    raise RecordingRefused("The FHIR server answered without the saved response.",
                           code="no_response_saved")


def _add_enterer(bundle: dict[str, Any], enterer: str) -> None:
    """Name who typed a paper form in, beside the client as author, in the Provenance."""
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Provenance":
            resource["agent"].append({
                "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "enterer"}]},
                "who": {"reference": enterer}})


def save_submission(store: RecordStore, submission: Submission, *,
                    enterer: str | None = None) -> Saved:
    """Send one submission as one transaction; the same submission id stores one set of
    records however often it is sent. Returns only after the server answered."""
    bundle = build_submission_bundle(submission)
    if enterer and enterer != submission.author:
        _add_enterer(bundle, enterer)
    answer = store.client.transaction(bundle, idempotent=True)
    saved = _saved_from(answer)
    log.info("alliance response saved (%s-rated, %s)", submission.rater, store.where)
    return saved


# -- reading back ------------------------------------------------------------------------------
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
        return str((self.qr.get("meta") or {}).get("versionId") or "1")

    @property
    def status(self) -> str:
        return str(self.qr.get("status") or "unknown")

    @property
    def rater(self) -> str:
        for ext in self.qr.get("extension") or []:
            if ext.get("url") == RATER_ROLE_EXTENSION:
                return str((ext.get("valueCoding") or {}).get("code") or self.form.rater)
        return self.form.rater

    @property
    def submission_id(self) -> str:
        identifier = self.qr.get("identifier") or {}
        return str(identifier.get("value") or self.id)


def _version_key(resource: Mapping[str, Any]) -> int:
    value = str((resource.get("meta") or {}).get("versionId") or "0")
    return int(value) if value.isdigit() else 0


def read_record(store: RecordStore, settings: Settings, qr_id: str) -> StoredRecord:
    """The response, its current score Observations, its versions and its Provenance (newest
    first), read in one batch round trip."""
    client = store.client
    target = f"QuestionnaireResponse/{qr_id}"
    qr, observation_set, history, provenance_set = client.batch([
        target,
        f"Observation?{urlencode({'derived-from': target, '_count': '50'})}",
        f"{target}/_history",
        f"Provenance?{urlencode({'target': target, '_count': '50'})}",
    ])
    observations = [
        o for o in bundle_resources(observation_set, "Observation")
        if o.get("status") != "entered-in-error" or qr.get("status") == "entered-in-error"
    ]
    versions = sorted(bundle_resources(history, "QuestionnaireResponse"), key=_version_key,
                      reverse=True)
    provenance = sorted(bundle_resources(provenance_set, "Provenance"),
                        key=lambda p: str(p.get("recorded") or ""), reverse=True)
    form = form_for_response(settings, qr)
    answers = answers_from_questionnaire_response(qr)
    try:
        score: Score | None = score_questionnaire_response(form.instrument, qr)
    except DomainError as err:  # a stored response we cannot score is still shown
        log.warning("stored response not scorable: %s", err.code)
        score = None
    return StoredRecord(qr, observations, versions, provenance, form, answers, score)


def _moment(value: Any) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return now()
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=datetime.UTC)


def _reference(resource: Mapping[str, Any], name: str) -> str:
    return str((resource.get(name) or {}).get("reference") or "")


def correct_record(store: RecordStore, settings: Settings, record: StoredRecord,
                   answers: Mapping[str, Answer], *, version: str, author: str,
                   reason: str) -> Saved:
    """A new version of the response (status ``amended``, If-Match on ``version``), its scores
    updated and a Provenance naming ``author`` and the reason. The response keeps its original
    author and source (the client stays the author of a client rating a clinician corrects)."""
    qr = record.qr
    original_author = _reference(qr, "author") or author
    submission = Submission(
        questionnaire=record.form.questionnaire, answers=answers, rater=record.rater,
        patient=_reference(qr, "subject"), encounter=_reference(qr, "encounter"),
        author=author, authored=_moment(qr.get("authored")),
        submission_id=record.submission_id, app_name=APP_NAME, app_version=__version__,
        organization=settings.organization, recorded=now())
    bundle = build_correction_bundle(submission, record.id, version, record.observations,
                                     reason)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "QuestionnaireResponse":
            resource["author"] = {"reference": original_author}
            resource["source"] = qr.get("source") or {"reference": original_author}
        elif resource["resourceType"] == "Observation" and entry["request"]["method"] == "PUT":
            old = next((o for o in record.observations if o.get("id") == resource.get("id")), {})
            if old.get("performer"):
                resource["performer"] = old["performer"]
    store.client.transaction(bundle)
    log.info("alliance response corrected (%s)", store.where)
    return Saved(record.id, str(int(version) + 1) if version.isdigit() else None)


def mark_entered_in_error(store: RecordStore, settings: Settings, record: StoredRecord, *,
                          version: str, author: str, reason: str) -> Saved:
    """The response and its scores become ``entered-in-error`` (a new version, never a
    DELETE: the history keeps every version) with a Provenance giving the reason."""
    bundle = build_entered_in_error_bundle(
        record.qr, version, record.observations, author=author, reason=reason,
        recorded=now(), app_name=APP_NAME, app_version=__version__,
        organization=settings.organization)
    store.client.transaction(bundle)
    log.info("alliance response marked entered-in-error (%s)", store.where)
    return Saved(record.id, str(int(version) + 1) if version.isdigit() else None)
