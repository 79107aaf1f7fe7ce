"""Text packs: licensed wording applied from a site's pack; transcription mode without one."""

from __future__ import annotations

import pytest

import fhir_profiles
from plugin.alliance import TextPackError, apply_text_pack, is_transcription_mode

# Placeholder wording only: this project never ships or paraphrases licensed items.
PACK = {"en": {str(n): f"[site-supplied wording for item {n}]" for n in range(1, 13)} | {
    "@options": {str(n): f"[anchor {n}]" for n in range(1, 6)}}}


def test_licensed_instruments_ship_in_transcription_mode():
    for qid in ("wai-sr-client", "srs"):
        assert is_transcription_mode(fhir_profiles.questionnaire(qid))
    assert not is_transcription_mode(fhir_profiles.questionnaire("alliance-checkin-client"))


def test_apply_pack_sets_text_and_anchors_without_touching_the_original():
    q = fhir_profiles.questionnaire("wai-sr-client")
    applied = apply_text_pack(q, PACK, "en")
    assert applied["item"][0]["text"] == "[site-supplied wording for item 1]"
    assert applied["item"][0]["answerOption"][2]["valueCoding"]["display"] == "[anchor 3]"
    assert applied["language"] == "en"
    assert not is_transcription_mode(applied)
    assert "text" not in q["item"][0]


@pytest.mark.parametrize("pack,lang", [
    (PACK, "fr"),
    ({"en": {"1": "only one"}}, "en"),
    ({"en": {**PACK["en"], "13": "extra"}}, "en"),
    ({"en": {**PACK["en"], "1": 5}}, "en"),
])
def test_pack_that_does_not_fit_is_refused(pack, lang):
    with pytest.raises(TextPackError):
        apply_text_pack(fhir_profiles.questionnaire("wai-sr-client"), pack, lang)
