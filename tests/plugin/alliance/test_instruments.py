"""Instruments are read from the Questionnaire definition, and bad definitions are refused."""

from __future__ import annotations

import copy
import math

import pytest

import fhir_profiles
from plugin.alliance import InvalidInstrument, instrument_from_questionnaire
from plugin.alliance.vocabulary import ITEM_WEIGHT, ORDINAL_VALUE


def test_wai_structure_from_definition(wai):
    assert wai.scales["task"].item_ids == ("1", "2", "10", "12")
    assert wai.scales["bond"].item_ids == ("3", "5", "7", "9")
    assert wai.scales["goal"].item_ids == ("4", "6", "8", "11")
    assert (wai.scales["total"].minimum, wai.scales["total"].maximum) == (12, 60)
    assert wai.text_pack_required


def test_srs_threshold_and_sources(srs):
    total = srs.scales["total"]
    assert total.low_threshold == 36 and "PCOMS" in (total.low_threshold_source or "")
    assert "Duncan" in (total.reliability_source or "")
    assert srs.components == ()


def test_reliable_change_index_is_jacobson_truax(checkin):
    total = checkin.scales["total"]
    expected = 1.96 * total.sd * math.sqrt(2) * math.sqrt(1 - total.reliability)
    assert total.reliable_change == pytest.approx(expected)


def test_every_parameter_has_a_source():
    for q in fhir_profiles.questionnaires():
        for scale in instrument_from_questionnaire(q).scales.values():
            for value, source in ((scale.reliability, scale.reliability_source),
                                  (scale.sd, scale.sd_source),
                                  (scale.low_threshold, scale.low_threshold_source)):
                assert value is None or source


def test_ordinal_value_alone_is_enough():
    q = fhir_profiles.questionnaire("alliance-checkin-client")
    for item in q["item"]:
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            coding["extension"] = [e for e in coding["extension"] if e["url"] == ORDINAL_VALUE]
    assert instrument_from_questionnaire(q).items["task-2"].weights["0"] == 4


def broken(mutate):
    q = copy.deepcopy(fhir_profiles.questionnaire("alliance-checkin-client"))
    mutate(q)
    return q


@pytest.mark.parametrize("mutate", [
    lambda q: q["item"][0]["answerOption"][0]["valueCoding"].pop("extension"),
    lambda q: q["item"][0]["answerOption"][0]["valueCoding"]["extension"].__setitem__(
        slice(None), [{"url": ITEM_WEIGHT, "valueString": "x"}]),
    lambda q: q["extension"][0]["extension"][2].__setitem__("valueDecimal", 99),
    lambda q: q.__setitem__("item", [q["item"][-1]]),
    lambda q: q.pop("url"),
    lambda q: q["item"][0].__setitem__("answerOption", []),
])
def test_inconsistent_definitions_are_refused(mutate):
    with pytest.raises(InvalidInstrument) as info:
        instrument_from_questionnaire(broken(mutate))
    assert info.value.code == "alliance.invalid_instrument"
