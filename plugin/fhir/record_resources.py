"""Builders of the single resources the app writes: the alliance QuestionnaireResponse, score
Observations and Provenance, each shaped by its profile in fhir_profiles and validated with the
fhir.resources R4B models before it leaves. Pure: times and ids come in as arguments."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from fhir_profiles import CANONICAL, code_display
from plugin.alliance import Answer, Instrument, ScaleScore, Score
from plugin.alliance.vocabulary import (
    CODE_SYSTEM,
    INSTRUMENT_EXTENSION,
    RATER_ROLE_EXTENSION,
    SCALE_DISPLAY,
)
from plugin.fhir.errors import RecordInvalid
from plugin.fhir.readers import CHANNEL_SYSTEM, CHANNELS

PROFILE_QR = f"{CANONICAL}/StructureDefinition/alliance-questionnaireresponse"
PROFILE_OBSERVATION = f"{CANONICAL}/StructureDefinition/alliance-score-observation"
PROFILE_PROVENANCE = f"{CANONICAL}/StructureDefinition/alliance-provenance"
SUBMISSION_SYSTEM = f"{CANONICAL}/identifier/submission"
SCORE_SYSTEM = f"{CANONICAL}/identifier/score"
TEXT_PACK_SYSTEM = f"{CANONICAL}/identifier/text-pack"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
UCUM = "http://unitsofmeasure.org"
# FHIR's request, in a transaction, to resolve a reference to the version the transaction makes
# (http.html "Version specific references and updates"; an extension defined since R5 and in the
# extensions pack for R4; a server that does not support it keeps a version-agnostic reference).
RESOLVE_AS_VERSION_SPECIFIC = "http://hl7.org/fhir/StructureDefinition/resolve-as-version-specific"
Resource = dict[str, Any]
MODELS: dict[str, Any] = {"QuestionnaireResponse": QuestionnaireResponse,
                          "Observation": Observation, "Provenance": Provenance}


def validate_resource(resource: Resource) -> Resource:
    """Check a resource against its fhir.resources R4B model; return it unchanged."""
    try:
        MODELS[resource["resourceType"]].model_validate(resource)
    except ValidationError as err:
        raise RecordInvalid(
            f"Built {resource['resourceType']} is not valid FHIR: {err.errors()[:3]}") from err
    return resource


def fhir_datetime(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def rater_extension(rater: str) -> Resource:
    return {"url": RATER_ROLE_EXTENSION,
            "valueCoding": {"system": CODE_SYSTEM, "code": rater, "display": rater.capitalize()}}


def _option_coding(q_item: Mapping[str, Any], code: str) -> Resource:
    """The option's system and code, and the display its CodeSystem in fhir_profiles gives
    (never a text pack's anchor, even from a Questionnaire a pack was applied to)."""
    for option in q_item.get("answerOption", []):
        coding = option.get("valueCoding") or {}
        if str(coding.get("code")) == code and coding.get("system"):
            display = code_display(str(coding["system"]), code)
            return {"system": coding["system"], "code": code,
                    **({"display": display} if display else {})}
    return {"code": code}


def _answer(instrument: Instrument, q_item: Mapping[str, Any], value: Answer) -> Resource:
    item = instrument.items.get(str(q_item["linkId"]))
    if item is None:
        return {"valueString": str(value)}
    if not item.numeric:
        return {"valueCoding": _option_coding(q_item, str(value))}
    return {"valueDecimal": float(value)} if value is not None else {}


def build_questionnaire_response(
    *, questionnaire: Mapping[str, Any], instrument: Instrument, answers: Mapping[str, Answer],
    rater: str, patient: str, encounter: str, author: str, source: str,
    authored: datetime.datetime, submission_id: str, status: str = "completed",
    resource_id: str | None = None, channel: str | None = None,
) -> Resource:
    """The QuestionnaireResponse; item text only for an instrument whose wording we may copy."""
    items = []
    for q_item in questionnaire.get("item", []):
        link_id = str(q_item["linkId"])
        value = answers.get(link_id)
        if value is None or value == "":
            continue
        item: Resource = {"linkId": link_id}
        if "text" in q_item and not instrument.text_pack_required:
            item["text"] = q_item["text"]
        item["answer"] = [_answer(instrument, q_item, value)]
        items.append(item)
    qr: Resource = {"resourceType": "QuestionnaireResponse"}
    if resource_id:
        qr["id"] = resource_id
    qr.update({
        "meta": {"profile": [PROFILE_QR]},
        "extension": [rater_extension(rater)],
        "identifier": {"system": SUBMISSION_SYSTEM, "value": submission_id},
        "questionnaire": f"{instrument.url}|{instrument.version}" if instrument.version
        else instrument.url,
        "status": status,
        "subject": {"reference": patient}, "encounter": {"reference": encounter},
        "authored": fhir_datetime(authored),
        "author": {"reference": author}, "source": {"reference": source},
        "item": items,
    })
    if channel in CHANNELS:
        qr["meta"]["tag"] = [{"system": CHANNEL_SYSTEM, "code": channel}]
    return validate_resource(qr)



def _quantity(value: float) -> Resource:
    return {"value": round(value, 4), "unit": "score", "system": UCUM, "code": "{score}"}


def build_score_observation(
    *, instrument: Instrument, scale: ScaleScore, rater: str, patient: str, encounter: str,
    author: str, effective: datetime.datetime, submission_id: str, derived_from: str,
    status: str = "final", resource_id: str | None = None,
) -> Resource:
    """One scale's score Observation (the scale must be scored), derivedFrom the response."""
    if scale.sum is None or scale.mean is None or scale.method is None:
        raise RecordInvalid(f"Scale {scale.scale} was not scored; it has no Observation.")
    obs: Resource = {"resourceType": "Observation"}
    if resource_id:
        obs["id"] = resource_id
    obs.update({
        "meta": {"profile": [PROFILE_OBSERVATION]},
        "extension": [rater_extension(rater),
                      {"url": INSTRUMENT_EXTENSION, "valueCanonical": instrument.url}],
        "identifier": [score_identifier(submission_id, scale.scale)],
        "status": status,
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": CODE_SYSTEM, "code": scale.scale,
                             "display": SCALE_DISPLAY.get(scale.scale, scale.scale)}],
                 "text": f"{instrument.title}: {scale.scale} ({rater}-rated)"},
        "subject": {"reference": patient}, "encounter": {"reference": encounter},
        "effectiveDateTime": fhir_datetime(effective),
        "performer": [{"reference": author}],
        "valueQuantity": _quantity(scale.sum),
        "method": {"coding": [{"system": CODE_SYSTEM, "code": scale.method}]},
        "derivedFrom": [{"reference": derived_from}],
        "component": [{"code": {"coding": [{"system": CODE_SYSTEM, "code": "mean"}]},
                       "valueQuantity": _quantity(scale.mean)}],
    })
    return validate_resource(obs)


def score_identifier(submission_id: str, scale: str) -> Resource:
    return {"system": SCORE_SYSTEM, "value": f"{submission_id}/{scale}"}


def build_provenance(
    *, targets: Sequence[str], recorded: datetime.datetime, author: str, app_name: str,
    app_version: str, organization: str | None = None, activity: str = "CREATE",
    reason: str | None = None, tag: str | None = None, enterer: str | None = None,
    text_pack: str | None = None,
) -> Resource:
    """Provenance: the author, who typed the answers in when someone else (``enterer``), the app
    as a contained Device with its version, the organisation."""
    author_agent: Resource = {
        "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "author"}]},
        "who": {"reference": author}}
    if organization:
        author_agent["onBehalfOf"] = {"reference": organization}
    prov: Resource = {"resourceType": "Provenance", "meta": {"profile": [PROFILE_PROVENANCE]}}
    if tag:
        prov["meta"]["tag"] = [{"system": SUBMISSION_SYSTEM, "code": tag}]
    prov.update({
        "contained": [{"resourceType": "Device", "id": "app",
                       "deviceName": [{"name": app_name, "type": "user-friendly-name"}],
                       "version": [{"value": app_version}]}],
        "target": [{"reference": t} for t in targets],
        "recorded": recorded.isoformat(timespec="milliseconds"),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": activity}]},
        "agent": [author_agent, {
            "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "assembler"}]},
            "who": {"reference": "#app", "display": f"{app_name} {app_version}"}}],
    })
    if enterer and enterer != author:
        prov["agent"].append({"type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "enterer"}]},
                              "who": {"reference": enterer}})
    if reason:
        prov["reason"] = [{"text": reason}]
    if text_pack:
        prov["entity"] = [{"role": "source", "what": {
            "identifier": {"system": TEXT_PACK_SYSTEM, "value": text_pack},
            "display": "the licensed wording the rater was shown (text pack id and SHA-256)"}}]
    return validate_resource(prov)


def scored_scales(score: Score) -> list[ScaleScore]:
    return [s for s in score.scales.values() if s.scored]
