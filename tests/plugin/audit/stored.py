"""Alliance records as a FHIR server holds them after a save: the app's own builders, with the
transaction's urn:uuid references resolved to server ids, put into a MemoryFhir."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import fhir_profiles
from plugin.fhir.record_bundles import Submission, build_submission_records
from tests.support.memory_fhir import MemoryFhir

AUTHORED = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}


def submission(n: int, *, questionnaire: dict | None = None, patient: str = "Patient/p1",
               answers: dict | None = None, day: int = 0) -> Submission:
    return Submission(
        questionnaire=questionnaire or fhir_profiles.questionnaire("alliance-checkin-therapist"),
        answers=answers or ANSWERS, rater="therapist", patient=patient,
        encounter=f"Encounter/e{n}", author="Practitioner/pr1",
        authored=AUTHORED + datetime.timedelta(days=day),
        submission_id=f"00000000-0000-4000-8000-{n:012d}", app_name="Alliance Panel",
        app_version="0.1.0")


def store(server: MemoryFhir, sub: Submission, n: int) -> dict[str, Any]:
    """Store one submission as a transaction would; the ids used, by key ("qr", scale, ...)."""
    records = build_submission_records(sub)
    ids = {"qr": f"qr{n}", "provenance": f"prov{n}",
           **{scale: f"obs{n}-{scale}" for scale in records.observations}}
    mapping = {records.urls[key]: f"{kind}/{ids[key]}" for key, kind in
               [("qr", "QuestionnaireResponse"), ("provenance", "Provenance"),
                *((s, "Observation") for s in records.observations)]}

    def resolved(resource: dict[str, Any], key: str) -> dict[str, Any]:
        text = json.dumps(resource)
        for urn, ref in mapping.items():
            text = text.replace(urn, ref)
        return {**json.loads(text), "id": ids[key]}

    server.put(resolved(records.questionnaire_response, "qr"))
    for scale, obs in records.observations.items():
        server.put(resolved(obs, scale))
    server.put(resolved(records.provenance, "provenance"))
    return ids


def old_version(questionnaire: dict, version: str) -> dict:
    """The same Questionnaire under another version where the first item was keyed the other
    way round (its option weights reversed): the same answers score differently."""
    old = copy.deepcopy(questionnaire)
    old["id"] = f"{old['id']}-{version.replace('.', '-')}"
    old["version"] = version
    options = old["item"][0]["answerOption"]
    weights = [[e["valueDecimal"] for e in o["valueCoding"]["extension"]] for o in options]
    for option, reversed_weights in zip(options, reversed(weights), strict=True):
        for exts in (option["valueCoding"]["extension"], option.get("extension", [])):
            for ext, weight in zip(exts, reversed_weights, strict=True):
                ext["valueDecimal"] = weight
    return old
