"""Instruments are read from the Questionnaire definition, and bad definitions are refused."""

from __future__ import annotations

import copy

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


def test_srs_is_one_total_scale(srs):
    assert srs.components == () and list(srs.scales) == ["total"]


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
    lambda q: [o.pop("extension") for o in (q["item"][0]["answerOption"][0],
                                            q["item"][0]["answerOption"][0]["valueCoding"])],
    # the weight where LHC-Forms reads it differs from the one Smart Forms reads
    lambda q: q["item"][0]["answerOption"][0]["extension"][1].__setitem__("valueDecimal", 3),
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
