"""How a client's answers came (link, portal, hand-off, paper) is kept on the stored response and
survives a correction by the clinician; a therapist's rating carries none."""

from __future__ import annotations

import dataclasses
import datetime

import fhir_profiles
from plugin.fhir.readers import channel_of
from plugin.fhir.record_bundles import (
    Submission,
    build_correction_bundle,
    build_submission_records,
)
from plugin.recording.catalogue import build_form
from plugin.recording.submission import new_submission

UTC = datetime.UTC
ANSWERS = {"goal-1": "4", "goal-2": "3", "task-1": "2", "task-2": "1", "bond-1": "4",
           "bond-2": "2"}


def client_submission(channel: str | None) -> Submission:
    return Submission(fhir_profiles.questionnaire("alliance-checkin-client"), ANSWERS, "client",
                      "Patient/p1", "Encounter/e7", "Patient/p1",
                      datetime.datetime(2026, 11, 25, 10, 30, tzinfo=UTC), "sub-1",
                      "Alliance Panel", "0.1.0", channel=channel)


def test_each_channel_is_read_back_from_the_stored_response():
    for channel in ("link", "portal", "handoff", "paper"):
        qr = build_submission_records(client_submission(channel)).questionnaire_response
        assert channel_of(qr) == channel
    assert channel_of(build_submission_records(client_submission(None)).questionnaire_response
                      ) is None
    assert channel_of({"meta": {"tag": [{"system": "elsewhere", "code": "link"}]}}) is None


def test_a_correction_keeps_how_the_answers_came():
    sub = client_submission("link")
    records = build_submission_records(sub)
    qr = {**records.questionnaire_response, "id": "qr1",
          "meta": {**records.questionnaire_response["meta"], "versionId": "1"}}
    corrected = dataclasses.replace(sub, author="Practitioner/pr1", channel=None,
                                    reason="Misread", answers={**ANSWERS, "bond-1": "1"})
    bundle = build_correction_bundle(corrected, qr, "1", [])
    assert channel_of(bundle["entry"][0]["resource"]) == "link"


def test_a_therapists_rating_names_no_channel():
    form = build_form(fhir_profiles.questionnaire("alliance-checkin-therapist"), [])
    sub = new_submission(form, ANSWERS, patient="Patient/p1", encounter="Encounter/e7",
                         author="Practitioner/pr1", enterer=None, submission_id="s-2",
                         organization=None, channel="paper",
                         now=lambda: datetime.datetime(2026, 11, 25, tzinfo=UTC))
    assert sub.channel is None
