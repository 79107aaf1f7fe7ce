"""Responses other tools (SDC form renderers) stored, as the panel reads them: a foreign
``meta.profile`` tolerated, ``in-progress`` listed as unfinished and never scored, an
out-of-range value shown with a plain reason instead of a score."""

from __future__ import annotations

import fhir_profiles
from plugin.panel.view import read_response
from plugin.wording import record_status

LHC_FORMS_PROFILE = "http://hl7.org/fhir/4.0/StructureDefinition/QuestionnaireResponse"


def rendered(qid: str, values: dict[str, object], status: str = "completed") -> dict:
    q = fhir_profiles.questionnaire(qid)
    items = []
    for item in q["item"]:
        if item["linkId"] not in values:
            continue
        value = values[item["linkId"]]
        answer = ({"valueDecimal": value} if item["type"] == "decimal" else
                  {"valueCoding": next(o["valueCoding"] for o in item["answerOption"]
                                       if o["valueCoding"]["code"] == value)})
        items.append({"linkId": item["linkId"], "answer": [answer]})
    return {"resourceType": "QuestionnaireResponse", "id": "r1",
            "meta": {"profile": [LHC_FORMS_PROFILE], "versionId": "1"},
            "questionnaire": q["url"], "status": status, "authored": "2026-12-01T10:00:00Z",
            "encounter": {"reference": "Encounter/e1"}, "item": items}


WAI = {str(n): "4" for n in range(1, 13)}


def test_a_foreign_meta_profile_and_the_renderers_own_score_are_tolerated_and_ignored():
    qr = rendered("wai-sr-client", WAI)
    qr["item"].append({"linkId": "score-total", "text": "Total score",
                       "answer": [{"valueDecimal": 12}]})  # a renderer's (here wrong) total
    response = read_response(qr, {})
    assert response.problem is None and response.counts
    assert response.score is not None and response.score.total.sum == 48


def test_in_progress_is_listed_as_not_finished_and_never_scored():
    response = read_response(rendered("wai-sr-client", WAI, status="in-progress"), {})
    assert response.score is None and not response.counts
    assert record_status(response.status) == "not finished"


def test_an_out_of_range_value_is_shown_with_a_plain_reason_not_scored():
    response = read_response(rendered("srs", {"1": 9.0, "2": 12.0, "3": 8.0, "4": 7.5}), {})
    assert response.score is None and not response.counts
    assert response.problem == "Item 2: 12 is outside 0 to 10."
