"""plugin.recording and plugin.recording.handoff: forms on offer, saving, the hand-off lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fhir_profiles
from plugin.config import load_settings
from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.catalogue import RecordingRefused, offered_forms, rater_of, record_form
from plugin.recording.handoff import MAX_FAILURES, Handoffs
from plugin.recording.records import _saved_from

PACK = {"en": {str(n): f"[site wording {n}]" for n in range(1, 13)}
        | {"@options": {str(n): f"[anchor {n}]" for n in range(1, 6)}}}


def settings(tmp_path: Path, **extra):
    return load_settings({
        "public_url": "https://app.example", "client_id": "c",
        "allowed_iss": "https://ehr.example/fhir", "secret_key": "k" * 40,
        "data_dir": str(tmp_path), **extra})


@pytest.mark.parametrize("qid, rater", [
    ("alliance-checkin-client", "client"), ("alliance-checkin-therapist", "therapist"),
    ("wai-sr-client", "client"), ("srs", "client")])
def test_rater_is_read_from_the_questionnaire(qid, rater):
    assert rater_of(fhir_profiles.questionnaire(qid)) == rater


def test_an_explicit_rater_extension_wins():
    q = fhir_profiles.questionnaire("alliance-checkin-client")
    q["extension"].append({"url": fhir_profiles.CANONICAL
                           + "/StructureDefinition/alliance-rater-role",
                           "valueCoding": {"code": "therapist"}})
    assert rater_of(q) == "therapist"


def test_licensed_forms_are_transcription_mode_without_a_pack(tmp_path):
    forms = {f.id: f for f in offered_forms(settings(tmp_path))}
    assert forms["wai-sr-client"].transcription and not forms["wai-sr-client"].hand_off
    assert forms["srs"].transcription
    assert forms["alliance-checkin-client"].hand_off
    assert not forms["alliance-checkin-therapist"].hand_off


def test_a_fitting_text_pack_gives_wording_for_display_only(tmp_path):
    pack = tmp_path / "wai.json"
    pack.write_text(json.dumps(PACK))
    form = record_form(settings(tmp_path, text_packs=str(pack)), "wai-sr-client")
    assert not form.transcription and form.hand_off
    assert form.display["item"][0]["text"] == "[site wording 1]"
    assert "text" not in form.questionnaire["item"][0]  # records are built from the structure
    srs = record_form(settings(tmp_path, text_packs=str(pack)), "srs")
    assert srs.transcription  # the WAI-SR pack does not fit the SRS


def test_unknown_or_unconfigured_forms_are_refused(tmp_path):
    with pytest.raises(RecordingRefused):
        record_form(settings(tmp_path), "nope")
    with pytest.raises(RecordingRefused):
        record_form(settings(tmp_path, instruments="srs"), "wai-sr-client")


def test_saved_id_and_version_from_a_transaction_response():
    answer = {"entry": [{"response": {
        "location": "https://ehr.example/fhir/QuestionnaireResponse/abc-1/_history/3"}},
        {"response": {"location": "Observation/x/_history/1"}}]}
    saved = _saved_from(answer)
    assert (saved.qr_id, saved.version) == ("abc-1", "3")
    with pytest.raises(RecordingRefused):
        _saved_from({"entry": []})


def handoffs(tmp_path: Path) -> Handoffs:
    return Handoffs(SqliteSessionStore(tmp_path / "s.sqlite3", "k" * 40), "k" * 40, 3600)


def test_hand_off_locks_until_the_code_is_given(tmp_path):
    h = handoffs(tmp_path)
    assert not h.locked("H")
    code = h.start("H", "alliance-checkin-client")
    assert len(code) == 6 and code.isdigit()
    assert h.locked("H") and not h.locked("other")
    with pytest.raises(ValueError):
        h.start("H", "alliance-checkin-client")
    h.submitted("H", "qr-1")
    assert h.current("H").state == "submitted"
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    assert h.unlock("H", wrong) is None and h.locked("H")
    assert h.unlock("other", code) is None
    ended = h.unlock("H", f"{code[:3]} {code[3:]}")
    assert ended is not None and ended.saved == "qr-1"
    assert not h.locked("H")


def test_too_many_wrong_codes_seal_the_lock(tmp_path):
    h = handoffs(tmp_path)
    code = h.start("H", "alliance-checkin-client")
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    for _ in range(MAX_FAILURES):
        assert h.unlock("H", wrong) is None
    assert h.current("H").sealed
    assert h.unlock("H", code) is None and h.locked("H")


def test_the_code_is_not_stored(tmp_path):
    store = SqliteSessionStore(tmp_path / "s.sqlite3", "k" * 40)
    h = Handoffs(store, "k" * 40, 3600)
    code = h.start("H", "alliance-checkin-client")
    assert code not in json.dumps(store.get("handoff", "H"))
