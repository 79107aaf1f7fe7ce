"""A response an SDC renderer filled from a site's text pack is stored without the wording, and
the QuestionnaireResponse profile rejects one that still carries it."""

from __future__ import annotations

import json

from fhirpathpy import evaluate
from fhirpathpy.models import models

import fhir_profiles
from plugin.alliance import (
    apply_text_pack,
    instrument_from_questionnaire,
    score_questionnaire_response,
)
from plugin.fhir.foreign_responses import response_for_storage

WAI = "wai-sr-client"
PACK = {"en": {**{str(n): f"[licensed item {n}]" for n in range(1, 13)},
               "@options": {str(n): f"[licensed anchor {n}]" for n in range(1, 6)}}}


def rendered(q: dict) -> dict:
    """What a renderer exports: item text and the chosen options' codings copied in."""
    items = []
    for n, item in enumerate(i for i in q["item"] if i["type"] == "choice"):
        option = item["answerOption"][n % 5]["valueCoding"]
        items.append({"linkId": item["linkId"], "text": item["text"], "answer": [{
            "valueCoding": {k: option[k] for k in ("system", "code", "display")}}]})
    items.append({"linkId": "score-total", "text": "Total score",
                  "answer": [{"valueDecimal": 36}]})
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": f"{q['url']}|{q['version']}", "item": items}


def profile_invariant(qr: dict) -> bool:
    sd = fhir_profiles.resource_by_url(
        f"{fhir_profiles.CANONICAL}/StructureDefinition/alliance-questionnaireresponse")
    [rule] = [c for c in sd["snapshot"]["element"][0]["constraint"] if c["key"] == "alliance-qr-1"]
    [ok] = evaluate(qr, rule["expression"], {}, models["r4"])
    return bool(ok)


def test_a_response_rendered_from_a_text_pack_is_stored_without_the_wording():
    shipped = fhir_profiles.questionnaire(WAI)
    qr = rendered(apply_text_pack(shipped, PACK, "en"))
    assert "[licensed" in json.dumps(qr) and not profile_invariant(qr)
    stored = response_for_storage(qr)
    assert "[licensed" not in json.dumps(stored) and profile_invariant(stored)
    assert all("text" not in item for item in stored["item"])
    displays = {i["answer"][0]["valueCoding"]["display"] for i in stored["item"][:-1]}
    assert displays == {"1 (lowest)", "2", "3", "4", "5 (highest)"}
    instrument = instrument_from_questionnaire(shipped)
    assert score_questionnaire_response(instrument, stored).total.sum == \
        score_questionnaire_response(instrument, qr).total.sum == 33


def test_a_response_to_our_own_check_in_keeps_its_text():
    qr = rendered(fhir_profiles.questionnaire("alliance-checkin-client"))
    assert response_for_storage(qr) == qr and profile_invariant(qr)


def test_weights_a_renderer_copied_onto_answers_and_tags_without_a_system_are_left_behind():
    q = fhir_profiles.questionnaire("alliance-checkin-client")
    option = q["item"][0]["answerOption"][3]
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
          "questionnaire": f"{q['url']}|{q['version']}",
          "meta": {"tag": [{"code": "lformsVersion: 40.1.3"},
                           {"system": "https://example.org/tags", "code": "kept"}]},
          "item": [{"linkId": q["item"][0]["linkId"], "answer": [{
              "valueCoding": option["valueCoding"],
              # Smart Forms copies the chosen option's extensions onto the answer
              "extension": [*option["extension"],
                            {"url": "https://example.org/other", "valueString": "kept"}]}]}]}

    stored = response_for_storage(qr)

    answer = stored["item"][0]["answer"][0]
    assert answer["extension"] == [{"url": "https://example.org/other", "valueString": "kept"}]
    assert answer["valueCoding"] == option["valueCoding"]  # its weights stay in the coding
    assert stored["meta"]["tag"] == [{"system": "https://example.org/tags", "code": "kept"}]
    assert len(qr["item"][0]["answer"][0]["extension"]) == 3  # the caller's copy untouched
