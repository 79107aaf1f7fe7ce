"""Submissions for unit tests: one valid set of answers per form, the Submission built from them
(record builders, registration checks) and the outbox item a save queues (the outbox, one rating
per session)."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import fhir_profiles
from plugin.fhir.record_bundles import Submission, build_submission_bundle

AUTHORED = datetime.datetime(2026, 11, 25, 10, 30, tzinfo=datetime.UTC)

ANSWERS: dict[str, dict[str, Any]] = {
    "alliance-checkin-client": {"goal-1": "4", "goal-2": "3", "task-1": "2", "task-2": "1",
                                "bond-1": "4", "bond-2": "2", "helpful": "More time to talk."},
    "alliance-checkin-therapist": {"goal-1": "3", "goal-2": "3", "task-1": 3, "task-2": "0",
                                   "bond-1": "4", "bond-2": "3"},
    "wai-sr-client": {str(n): (n % 5) + 1 for n in range(1, 13)},
    "srs": {"1": 9.1, "2": 8.4, "3": 7.0, "4": 9.5},
}


def submission(qid: str, **changes: Any) -> Submission:
    """Form `qid` answered with its ANSWERS for Patient/p1's Encounter/e7, by the therapist or
    the client as the form says; `changes` replace any field."""
    rater = "therapist" if qid.endswith("therapist") else "client"
    author = "Practitioner/pr1" if rater == "therapist" else "Patient/p1"
    sub = Submission(questionnaire=fhir_profiles.questionnaire(qid), answers=ANSWERS[qid],
                     rater=rater, patient="Patient/p1", encounter="Encounter/e7", author=author,
                     authored=AUTHORED, submission_id="9b2e4d4a-6c1f-4bb0-9a57-2f1a1d0c3e11",
                     app_name="Alliance Panel", app_version="0.1.0",
                     organization="Organization/clinic")
    return dataclasses.replace(sub, **changes)


def outbox_item(transactions: bool = True, **extra: Any) -> dict[str, Any]:
    """A new therapist rating of Patient/p1's Encounter/e1 (a fresh submission id), as the app
    queues a save for the EHR https://ehr.example/fhir; `extra` replaces any field."""
    bundle = build_submission_bundle(submission(
        "alliance-checkin-therapist", encounter="Encounter/e1", submission_id=str(uuid.uuid4())))
    qr = bundle["entry"][0]["resource"]
    return {"id": qr["identifier"]["value"], "bundle": bundle, "iss": "https://ehr.example/fhir",
            "where": "ehr", "transactions": transactions, "handle": "h1",
            "practitioner": "Practitioner/pr1", "patient": "p1", **extra}
