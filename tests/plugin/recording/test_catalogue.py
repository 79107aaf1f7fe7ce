"""plugin.recording.catalogue: the forms on offer, built once at start-up, and what stops it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fhir_profiles
from plugin.config import Settings, load_settings
from plugin.errors import ConfigError
from plugin.recording.catalogue import FormCatalogue, rater_of
from plugin.recording.errors import RecordingRefused

PACK = {"en": {str(n): f"[site wording {n}]" for n in range(1, 13)}
        | {"@options": {str(n): f"[anchor {n}]" for n in range(1, 6)}}}


def catalogue(tmp_path: Path, **extra: str) -> FormCatalogue:
    return FormCatalogue.from_settings(settings(tmp_path, **extra))


def settings(tmp_path: Path, **extra: str) -> Settings:
    return load_settings({
        "public_url": "https://app.example", "client_id": "c",
        "allowed_iss": "https://ehr.example/fhir",
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
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
    forms = {f.id: f for f in catalogue(tmp_path).offered()}
    assert forms["wai-sr-client"].transcription and not forms["wai-sr-client"].hand_off
    assert forms["srs"].transcription
    assert forms["alliance-checkin-client"].hand_off
    assert not forms["alliance-checkin-therapist"].hand_off


def test_a_fitting_text_pack_gives_wording_for_display_only(tmp_path):
    pack = tmp_path / "wai.json"
    pack.write_text(json.dumps(PACK))
    forms = catalogue(tmp_path, text_packs=str(pack))
    form = forms.form("wai-sr-client")
    assert not form.transcription and form.hand_off
    assert form.display["item"][0]["text"] == "[site wording 1]"
    assert "text" not in form.questionnaire["item"][0]  # records are built from the structure
    srs = forms.form("srs")
    assert srs.transcription  # the WAI-SR pack does not fit the SRS


def test_the_pack_shown_is_named_in_the_provenance_by_id_and_hash(tmp_path):
    """An auditor can tell which licensed wording a rater saw: the pack's file name and the
    SHA-256 of its bytes travel with the submission into its Provenance."""
    import datetime
    import hashlib

    from plugin.fhir.record_bundles import build_submission_records
    from plugin.fhir.record_resources import TEXT_PACK_SYSTEM
    from plugin.recording.submission import new_submission

    pack = tmp_path / "wai-site-2026.json"
    pack.write_text(json.dumps(PACK))
    form = catalogue(tmp_path, text_packs=str(pack)).form("wai-sr-client")
    digest = hashlib.sha256(pack.read_bytes()).hexdigest()
    assert form.text_pack == f"wai-site-2026|sha256:{digest}"
    moment = datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    sub = new_submission(form, {str(n): 3 for n in range(1, 13)}, patient="Patient/p1",
                         encounter="Encounter/e1", author="Patient/p1", enterer=None,
                         submission_id="00000000-0000-4000-8000-000000000001",
                         organization=None, now=lambda: moment)
    provenance = build_submission_records(sub).provenance
    [entity] = provenance["entity"]
    assert entity["role"] == "source"
    assert entity["what"]["identifier"] == {"system": TEXT_PACK_SYSTEM,
                                            "value": form.text_pack}
    transcribed = catalogue(tmp_path).form("wai-sr-client")
    assert transcribed.text_pack is None  # no pack, no wording shown: nothing to name


def test_unknown_or_unconfigured_forms_are_refused(tmp_path):
    with pytest.raises(RecordingRefused):
        catalogue(tmp_path).form("nope")
    with pytest.raises(RecordingRefused):
        catalogue(tmp_path, instruments="srs").form("wai-sr-client")


def test_a_stored_response_finds_its_form_even_when_no_longer_offered(tmp_path):
    forms = catalogue(tmp_path, instruments="srs")
    url = fhir_profiles.questionnaire("wai-sr-client")["url"]
    assert forms.for_response({"questionnaire": f"{url}|1.0.0"}).id == "wai-sr-client"
    with pytest.raises(RecordingRefused):
        forms.for_response({"questionnaire": "https://elsewhere.example/Questionnaire/x"})


def test_an_empty_instrument_list_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="ALLIANCE_INSTRUMENTS is empty"):
        catalogue(tmp_path, instruments="")


def test_an_unknown_instrument_id_stops_start_up_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="ALLIANCE_INSTRUMENTS names 'wai-typo'") as info:
        catalogue(tmp_path, instruments="srs,wai-typo")
    assert "srs" in info.value.message  # the ids that would work are listed


@pytest.mark.parametrize("content, problem", [
    ("{not json", "is not valid JSON"),
    ('["a", "list"]', "is not a text pack"),
    ('{"en": "one string"}', "is not a text pack"),
    ("{}", "is not a text pack"),
])
def test_a_malformed_text_pack_stops_start_up_naming_it(tmp_path, content, problem):
    pack = tmp_path / "site-pack.json"
    pack.write_text(content)
    with pytest.raises(ConfigError, match=problem) as info:
        catalogue(tmp_path, text_packs=str(pack))
    assert str(pack) in info.value.message and info.value.code == "config.text_pack"


def test_a_text_pack_that_disappears_before_start_up_stops_it_naming_it(tmp_path):
    pack = tmp_path / "gone.json"
    pack.write_text(json.dumps(PACK))
    settings_ = settings(tmp_path, text_packs=str(pack))  # exists when the settings are read
    pack.unlink()
    with pytest.raises(ConfigError, match="gone.json cannot be read"):
        FormCatalogue.from_settings(settings_)
