"""Finding 12 (input): answers and ids are read strictly. A text answer refuses control
characters; `1_0`, full-width digits, `1e1` and `nan` are not numbers; a record id from the URL
must be a FHIR id before it goes anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fhir_profiles
from plugin.recording.answers import read_answers

from .app_harness import app_under_attack

PROFILES = Path(fhir_profiles.__file__).parent
CHECKIN = json.loads((PROFILES / "Questionnaire-alliance-checkin-client.json").read_text())
SRS = json.loads((PROFILES / "Questionnaire-srs.json").read_text())
CHOICES = {"item-goal-1": "3", "item-goal-2": "4", "item-task-1": "2", "item-task-2": "3",
           "item-bond-1": "4", "item-bond-2": "3"}


@pytest.mark.parametrize("text", ["fine\x00then", "ok\x1b[31m", "a\x7fb", "bell\x07", "x\x85y"])
def test_a_text_answer_with_control_characters_is_refused(text):
    read = read_answers(CHECKIN, {**CHOICES, "item-helpful": text})
    assert "item-helpful" in read.errors
    assert "helpful" not in read.answers
    assert read.raw["item-helpful"] == text  # what was typed is kept to show again


def test_ordinary_text_with_line_breaks_and_accents_is_kept():
    text = "Les séances m'aident.\r\nMerci\tbeaucoup — 😊"
    read = read_answers(CHECKIN, {**CHOICES, "item-helpful": text})
    assert read.ok and read.answers["helpful"] == text.strip()


@pytest.mark.parametrize("typed", ["1_0", "\uff17", "\uff11\uff10", "\u0667", "1e1", "nan",
                                   "inf", "0x7", "7..5", "٣"])
def test_what_is_not_a_plainly_typed_number_is_refused(typed):
    form = {f"item-{n}": "5" for n in ("1", "2", "3")}
    read = read_answers(SRS, {**form, "item-4": typed})
    assert "item-4" in read.errors, typed
    assert "4" not in read.answers


@pytest.mark.parametrize("typed, value", [("7", 7.0), ("7.5", 7.5), ("7,5", 7.5), (" 10 ", 10.0)])
def test_plain_numbers_are_read(typed, value):
    form = {f"item-{n}": "5" for n in ("1", "2", "3")}
    read = read_answers(SRS, {**form, "item-4": typed})
    assert read.ok and read.answers["4"] == value


@pytest.mark.parametrize("record_id", ["x%3Fsubject=Patient%2Fp2", "x%3F_id=p2", ".." + "a" * 70,
                                       "a%25b", "%C3%A9"])
def test_a_record_id_from_the_url_is_checked_before_any_request(hostile, tmp_path, record_id):
    server = hostile()
    app = app_under_attack(server, tmp_path)
    handle = app.launch()
    before = len(app.fhir.batches)
    page = app.clinician.get(f"/panel/{handle}/responses/{record_id}")
    assert page.status_code == 404
    assert len(app.fhir.batches) == before  # nothing was sent to the FHIR server
