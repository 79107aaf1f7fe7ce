"""What the app's record builders make from one fixed submission, pinned as golden JSON.

The sandbox seeds its alliance histories with these builders (ehr_sandbox/cohort_alliance.py),
so a builder bug would flow into the seeded records and the sandbox's own tests would accept it.
This test pins the builders' output on their own: the QuestionnaireResponse, score Observations,
Provenance and fullUrls for a client and a therapist form, and the transaction Bundle.

Nothing is stripped before comparing: the times come from a fixed clock and the submission ids
from a seeded generator, both handed to the builder, so every id and timestamp is pinned too.

After an intended change to what the builders make, rewrite the file and review its diff:
    GOLDEN_UPDATE=1 .venv/bin/pytest tests/ehr_sandbox/test_builder_golden.py
(the run that rewrites it fails, so an update never passes unseen).
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import fhir_profiles

# The one import of the builders: when plugin's record builders move, fix this line.
from plugin.fhir.record_bundles import (
    Submission,
    build_submission_bundle,
    build_submission_records,
)

GOLDEN = Path(__file__).with_name("builder_golden.json")
APP_NAME, APP_VERSION = "Alliance Panel", "0.1.0-golden"
PATIENT, ENCOUNTER = "Patient/golden-patient", "Encounter/golden-session-7"
THERAPIST, ORGANIZATION = "Practitioner/golden-therapist", "Organization/golden-clinic"
CLIENT_ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
                  "bond-2": "4", "helpful": "More time on the homework plan"}
THERAPIST_ANSWERS = {"goal-1": "2", "goal-2": "3", "task-1": "2", "task-2": "2", "bond-1": "3",
                     "bond-2": "4"}


def fixed_clock() -> Callable[[], datetime]:
    """2026-11-25 09:50 UTC, then one minute later at each call."""
    start = datetime(2026, 11, 25, 9, 50, tzinfo=UTC)
    calls = iter(range(1000))
    return lambda: start + timedelta(minutes=next(calls))


def seeded_ids(seed: str) -> Callable[[], str]:
    """uuid4-shaped submission ids from a seeded generator, as the sandbox's history makes them."""
    rng = random.Random(seed)
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


def submissions() -> dict[str, Submission]:
    now, new_id = fixed_clock(), seeded_ids("builder-golden")
    client = Submission(
        questionnaire=fhir_profiles.questionnaire("alliance-checkin-client"),
        answers=CLIENT_ANSWERS, rater="client", patient=PATIENT, encounter=ENCOUNTER,
        author=PATIENT, authored=now(), submission_id=new_id(), app_name=APP_NAME,
        app_version=APP_VERSION, organization=ORGANIZATION)
    therapist = Submission(
        questionnaire=fhir_profiles.questionnaire("alliance-checkin-therapist"),
        answers=THERAPIST_ANSWERS, rater="therapist", patient=PATIENT, encounter=ENCOUNTER,
        author=THERAPIST, authored=now(), submission_id=new_id(), app_name=APP_NAME,
        app_version=APP_VERSION, organization=ORGANIZATION, recorded=now())
    return {"client": client, "therapist": therapist}


def built() -> dict[str, Any]:
    """Everything the builders make from the fixed submissions, as JSON."""
    out: dict[str, Any] = {}
    for name, submission in submissions().items():
        records = build_submission_records(submission)
        out[f"{name}_records"] = {
            "questionnaire_response": records.questionnaire_response,
            "observations": records.observations,
            "provenance": records.provenance,
            "urls": records.urls,
        }
    out["client_bundle"] = build_submission_bundle(submissions()["client"])
    parsed: dict[str, Any] = json.loads(json.dumps(out))  # tuples as lists, as on the wire
    return parsed


def test_the_record_builders_make_exactly_the_golden_json() -> None:
    made = built()
    if os.environ.get("GOLDEN_UPDATE"):
        GOLDEN.write_text(json.dumps(made, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        pytest.fail(f"rewrote {GOLDEN.name}: review its diff, then run without GOLDEN_UPDATE")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(made) == sorted(golden)
    for key in golden:  # one part at a time, so a failure names the part that changed
        assert made[key] == golden[key], key


def test_the_builders_are_deterministic_and_the_inputs_reach_the_output() -> None:
    assert built() == built()
    other = build_submission_records(
        Submission(**{**vars(submissions()["client"]), "submission_id": seeded_ids("x")()}))
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["client_records"]
    assert other.questionnaire_response["identifier"] != golden["questionnaire_response"][
        "identifier"]
    assert other.urls["qr"] != golden["urls"]["qr"]


def test_the_golden_records_say_what_was_answered() -> None:
    """The golden file itself is plausible: a reader can check it against the answers above."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    client = golden["client_records"]
    qr = client["questionnaire_response"]
    assert qr["authored"] == "2026-11-25T09:50:00+00:00"
    answers = {i["linkId"]: i["answer"][0] for i in qr["item"]}
    assert answers["helpful"] == {"valueString": CLIENT_ANSWERS["helpful"]}
    totals = {scale: obs["valueQuantity"]["value"]
              for scale, obs in client["observations"].items()}
    # task-2 is reverse-scored in the check-in (its option weights run 4 to 0): 2 + (4 - 3).
    assert totals == {"goal": 7, "task": 3, "bond": 8, "total": 18}
    assert client["provenance"]["recorded"] == "2026-11-25T09:50:00.000+00:00"
    assert golden["therapist_records"]["provenance"]["recorded"] == (
        "2026-11-25T09:52:00.000+00:00")
    entries = golden["client_bundle"]["entry"]
    assert [e["request"]["method"] for e in entries] == ["POST"] * 6
