"""Record builders: a Submission in, a whole FHIR R4 transaction Bundle out (QuestionnaireResponse,
score Observations and their Provenance), validated with the fhir.resources R4B models last, after
every part is in place. No I/O, no clock: times and ids come in the Submission, which
plugin/recording builds (the only place that does).

Idempotency: the QuestionnaireResponse and each Observation carry a business identifier derived
from the form's ``submission_id`` and are POSTed with ``ifNoneExist=identifier=system|value``. R4
Provenance has no identifier, so it carries the submission as a ``meta.tag`` and is conditional on
``_tag=system|code``. The same submission sent twice therefore stores one set of records. The
``urn:uuid`` fullUrls are uuid5 of the submission id, so a rebuilt bundle is identical.

Corrections PUT a new version (status ``amended``) with ``If-Match: W/"n"``, keeping the stored
response's author and source; a mistake becomes ``entered-in-error`` by PUT, never a DELETE. Both
add a Provenance naming who changed what, and why, created conditionally on a tag naming the
submission and the version changed (``change_tag``): If-Match allows one change per version, so a
resend of the change (plugin/fhir/applied.py recognises its updates) adds no second Provenance.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from fhir_profiles import CANONICAL
from plugin.alliance import Answer, Score, instrument_from_questionnaire, score_answers
from plugin.alliance.vocabulary import RATERS
from plugin.fhir.errors import InvalidSubmission, RecordInvalid
from plugin.fhir.readers import channel_of, reference, version_id
from plugin.fhir.record_resources import (
    RESOLVE_AS_VERSION_SPECIFIC,
    SCORE_SYSTEM,
    SUBMISSION_SYSTEM,
    Resource,
    build_provenance,
    build_questionnaire_response,
    build_score_observation,
    scored_scales,
    validate_resource,
)

# Relative ("Patient/123"), or absolute when records live in a companion store and point back
# at the EHR's resources ("https://ehr.example/fhir/Patient/123").
REFERENCE = re.compile(r"^(https?://[^\s|]+/)?(Patient|Practitioner|PractitionerRole|RelatedPerson|Encounter|"
                       r"Organization)/[A-Za-z0-9\-.]{1,64}$")
URN_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, CANONICAL)


@dataclass(frozen=True)
class Submission:
    """One submitted form, as plugin/recording builds it. ``author`` is whom the answers are by
    (the client for a client rating), ``source`` who gave them (default: the author), ``enterer``
    who typed them in when that is someone else (named in the Provenance), ``reason`` why a stored
    record is changed (corrections). ``authored``/``recorded`` are timezone-aware."""

    questionnaire: Mapping[str, Any]
    answers: Mapping[str, Answer]
    rater: str
    patient: str
    encounter: str
    author: str
    authored: datetime.datetime
    submission_id: str
    app_name: str
    app_version: str
    organization: str | None = None
    source: str | None = None
    recorded: datetime.datetime | None = None
    enterer: str | None = None
    reason: str | None = None
    text_pack: str | None = None  # "<pack id>|sha256:<hex>" of the wording the rater saw
    channel: str | None = None  # how a client's answers came (record_resources.CHANNELS)


@dataclass(frozen=True)
class SubmissionRecords:
    questionnaire_response: Resource
    observations: dict[str, Resource]
    provenance: Resource
    score: Score
    urls: dict[str, str] = field(default_factory=dict)


def _check(sub: Submission) -> None:
    if sub.rater not in RATERS:
        raise InvalidSubmission(f"Rater must be one of {RATERS}, not {sub.rater!r}.")
    for name in ("patient", "encounter", "author", "organization", "source", "enterer"):
        value = getattr(sub, name)
        if value is not None and not REFERENCE.match(value):
            raise InvalidSubmission(f"{name} must be a reference like 'Patient/123', "
                                    f"not {value!r}.")
    for name in ("authored", "recorded"):
        moment = getattr(sub, name)
        if moment is not None and moment.utcoffset() is None:
            raise InvalidSubmission(f"{name} must carry a timezone.")
    if not sub.submission_id or "|" in sub.submission_id or "/" in sub.submission_id:
        raise InvalidSubmission("submission_id must be a non-empty token (a uuid).")


def _urn(submission_id: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(URN_NAMESPACE, f'{submission_id}/{key}')}"


def build_submission_records(sub: Submission) -> SubmissionRecords:
    """Score the answers and build the QuestionnaireResponse, Observations and Provenance."""
    _check(sub)
    instrument = instrument_from_questionnaire(sub.questionnaire)
    score = score_answers(instrument, sub.answers)
    urls = {"qr": _urn(sub.submission_id, "qr"), "provenance": _urn(sub.submission_id, "prov")}
    qr = build_questionnaire_response(
        questionnaire=sub.questionnaire, instrument=instrument, answers=sub.answers,
        rater=sub.rater, patient=sub.patient, encounter=sub.encounter, author=sub.author,
        source=sub.source or sub.author, authored=sub.authored, submission_id=sub.submission_id,
        channel=sub.channel)
    observations: dict[str, Resource] = {}
    for scale in scored_scales(score):
        urls[scale.scale] = _urn(sub.submission_id, f"score/{scale.scale}")
        observations[scale.scale] = build_score_observation(
            instrument=instrument, scale=scale, rater=sub.rater, patient=sub.patient,
            encounter=sub.encounter, author=sub.author, effective=sub.authored,
            submission_id=sub.submission_id, derived_from=urls["qr"])
    provenance = build_provenance(
        targets=[urls["qr"], *(urls[s] for s in observations)],
        recorded=sub.recorded or sub.authored, author=sub.author, app_name=sub.app_name,
        app_version=sub.app_version, organization=sub.organization,
        tag=f"{sub.submission_id}/provenance", enterer=sub.enterer, text_pack=sub.text_pack)
    return SubmissionRecords(qr, observations, provenance, score, urls)


def _post(url: str, resource: Resource, if_none_exist: str) -> Resource:
    return {"fullUrl": url, "resource": resource, "request": {
        "method": "POST", "url": resource["resourceType"], "ifNoneExist": if_none_exist}}


def _put(resource: Resource, version: str | None) -> Resource:
    request: Resource = {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
    if version is not None:
        request["ifMatch"] = f'W/"{version}"'
    return {"resource": resource, "request": request}


def _version_specific(node: Any, in_bundle: set[str]) -> None:
    """Ask the server, in place, to resolve each reference to another entry of the Bundle to
    the version the transaction makes (FHIR's resolve-as-version-specific; a server that does
    not know it keeps a version-agnostic reference, as the specification allows)."""
    if isinstance(node, dict):
        if node.get("reference") in in_bundle and not any(
                e.get("url") == RESOLVE_AS_VERSION_SPECIFIC for e in node.get("extension", [])):
            node["extension"] = [*node.get("extension", []),
                                 {"url": RESOLVE_AS_VERSION_SPECIFIC, "valueBoolean": True}]
        for value in node.values():
            _version_specific(value, in_bundle)
    elif isinstance(node, list):
        for value in node:
            _version_specific(value, in_bundle)


def _versioned(reference: str, version: str | None) -> str:
    """``Type/id/_history/n+1``: the version an update with If-Match n makes."""
    return f"{reference}/_history/{int(version) + 1}" if version and version.isdigit() \
        else reference


def _transaction(entries: list[Resource]) -> Resource:
    in_bundle = {str(e["fullUrl"]) for e in entries if e.get("fullUrl")}
    for entry in entries:
        _version_specific(entry["resource"], in_bundle)
    bundle: Resource = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    try:
        Bundle.model_validate(bundle)
    except ValidationError as err:
        raise RecordInvalid(f"Built transaction Bundle is not valid FHIR: {err}") from err
    return bundle


def build_submission_bundle(sub: Submission) -> Resource:
    """The transaction that records one submission once, however often it is sent."""
    rec = build_submission_records(sub)
    entries = [_post(rec.urls["qr"], rec.questionnaire_response,
                     f"identifier={SUBMISSION_SYSTEM}|{sub.submission_id}")]
    for scale, obs in rec.observations.items():
        entries.append(_post(rec.urls[scale], obs,
                             f"identifier={SCORE_SYSTEM}|{sub.submission_id}/{scale}"))
    entries.append(_post(rec.urls["provenance"], rec.provenance,
                         f"_tag={SUBMISSION_SYSTEM}|{sub.submission_id}/provenance"))
    return _transaction(entries)


def _observation_scale(obs: Mapping[str, Any]) -> str:
    codings = obs.get("code", {}).get("coding", [])
    return str(codings[0].get("code")) if codings else ""


def build_correction_bundle(sub: Submission, current_qr: Mapping[str, Any], qr_version: str,
                            current_observations: Sequence[Mapping[str, Any]]) -> Resource:
    """A corrected submission: the response as a new version (``amended``), its scores updated
    (PUT with If-Match where a score existed, conditional POST where a scale is newly scored,
    ``entered-in-error`` where a scale can no longer be scored) and a Provenance naming
    ``sub.author`` (who corrects) and ``sub.reason``.

    ``sub`` is the corrected form with the original ``submission_id``; ``current_qr`` and
    ``current_observations`` are as read from the server. The response keeps its stored author
    and source and each score its performer: the client stays the author of a client rating a
    clinician corrects.
    """
    if "id" not in current_qr or not sub.reason:
        raise InvalidSubmission("A correction needs the response's server id and a reason.")
    qr_id = str(current_qr["id"])
    original = reference(current_qr, "author") or sub.author
    source = reference(current_qr, "source") or original
    rec = build_submission_records(dataclasses.replace(
        sub, author=original, source=source, channel=channel_of(current_qr) or sub.channel))
    qr = {**rec.questionnaire_response, "id": qr_id, "status": "amended"}
    entries = [_put(qr, qr_version)]
    qr_ref = f"QuestionnaireResponse/{qr_id}"
    current = {_observation_scale(o): o for o in current_observations}
    # The scores name the response version they were computed from, and the Provenance the
    # versions it accounts for: the ones these PUTs make.
    derived = _versioned(qr_ref, qr_version)
    targets = [derived]
    for scale, obs in rec.observations.items():
        obs = {**obs, "derivedFrom": [{"reference": derived}]}
        old = current.pop(scale, None)
        if old is not None:
            updated = {**obs, "id": old["id"], "status": "amended",
                       "performer": old.get("performer") or obs["performer"]}
            entries.append(_put(validate_resource(updated), version_id(old)))
            targets.append(_versioned(f"Observation/{old['id']}", version_id(old)))
        else:
            entries.append(_post(rec.urls[scale], obs,
                                 f"identifier={SCORE_SYSTEM}|{sub.submission_id}/{scale}"))
            targets.append(rec.urls[scale])
    for old in current.values():
        entries.append(_put({**old, "status": "entered-in-error"}, version_id(old)))
        targets.append(_versioned(f"Observation/{old['id']}", version_id(old)))
    tag = change_tag(sub.submission_id, qr_version)
    provenance = build_provenance(
        targets=targets, recorded=sub.recorded or sub.authored, author=sub.author,
        app_name=sub.app_name, app_version=sub.app_version, organization=sub.organization,
        activity="UPDATE", reason=sub.reason, text_pack=sub.text_pack, tag=tag)
    entries.append(_post(_urn(sub.submission_id, f"prov/{qr_version}"), provenance,
                         f"_tag={SUBMISSION_SYSTEM}|{tag}"))
    return _transaction(entries)


def change_tag(submission_id: str, qr_version: str) -> str:
    """The tag of the Provenance of the one change made to version ``qr_version`` of a
    submission's response (If-Match allows only one): a resend finds it instead of adding a
    second Provenance."""
    return f"{submission_id}/provenance/from-{qr_version}"


def build_entered_in_error_bundle(
    current_qr: Mapping[str, Any], qr_version: str,
    current_observations: Sequence[Mapping[str, Any]], *, author: str, reason: str,
    recorded: datetime.datetime, app_name: str, app_version: str,
    organization: str | None = None,
) -> Resource:
    """Mark a stored response and its scores ``entered-in-error`` (PUT, never DELETE)."""
    if "id" not in current_qr or recorded.utcoffset() is None:
        raise InvalidSubmission("The response needs its server id, and the time a timezone.")
    entries = [_put({**current_qr, "status": "entered-in-error"}, qr_version)]
    targets = [_versioned(f"QuestionnaireResponse/{current_qr['id']}", qr_version)]
    for obs in current_observations:
        entries.append(_put({**obs, "status": "entered-in-error"}, version_id(obs)))
        targets.append(_versioned(f"Observation/{obs['id']}", version_id(obs)))
    identifier = current_qr.get("identifier")
    submission = (identifier.get("value") if isinstance(identifier, dict) else None) or \
        f"{current_qr['id']}"
    tag = change_tag(str(submission), qr_version)
    provenance = build_provenance(
        targets=targets, recorded=recorded, author=author, app_name=app_name,
        app_version=app_version, organization=organization, activity="NULLIFY", reason=reason,
        tag=tag)
    qr_ref = f"QuestionnaireResponse/{current_qr['id']}"
    entries.append(_post(f"urn:uuid:{uuid.uuid5(URN_NAMESPACE, qr_ref + qr_version)}",
                         provenance, f"_tag={SUBMISSION_SYSTEM}|{tag}"))
    return _transaction(entries)
