"""The SDC scores a form renderer computes (the Questionnaires' FHIRPath ``variable`` and
``calculatedExpression``) equal our scorer's on generated answer sets, missing items included.
Our scorer is the source of truth; the expressions are evaluated with fhirpathpy."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from fhirpathpy import compile as compile_fhirpath
from fhirpathpy.models import models

import fhir_profiles
from plugin.alliance import instrument_from_questionnaire, is_calculated, score_answers

VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
SETS = 60


@cache
def compiled(expression: str) -> Callable[..., list[Any]]:
    return compile_fhirpath(expression, models["r4"])


def evaluate(qr: dict[str, Any], expression: str, env: dict[str, Any]) -> list[Any]:
    return compiled(expression)(qr, env)


def renderer_scores(q: dict[str, Any], qr: dict[str, Any]) -> dict[str, float | None]:
    """Each score item's value as an SDC renderer computes it: variables first, in order."""
    env: dict[str, Any] = {"resource": qr}
    for ext in q["extension"]:
        if ext["url"] == VARIABLE:
            expr = ext["valueExpression"]
            env[expr["name"]] = evaluate(qr, expr["expression"], env)
    out: dict[str, float | None] = {}
    for item in filter(is_calculated, q["item"]):
        [ext] = item["extension"]
        result = evaluate(qr, ext["valueExpression"]["expression"], env)
        assert len(result) <= 1 and all(isinstance(r, int | float | Decimal) for r in result)
        out[item["code"][0]["code"]] = float(result[0]) if result else None
    return out


def answer_set(q: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A response as a renderer writes it (codings copied from the options) and its answers."""
    answers: dict[str, Any] = {}
    items = []
    p_missing = rng.choice([0.0, 0.1, 0.3, 0.6])
    for item in q["item"]:
        if item["type"] not in ("choice", "decimal") or is_calculated(item):
            continue
        if rng.random() < p_missing:
            continue
        if item["type"] == "choice":
            coding = rng.choice(item["answerOption"])["valueCoding"]
            answers[item["linkId"]] = coding["code"]
            value = {"valueCoding": {k: coding[k] for k in ("system", "code", "display")}}
        else:
            answers[item["linkId"]] = rng.randint(0, 100) / 10
            value = {"valueDecimal": answers[item["linkId"]]}
        items.append({"linkId": item["linkId"], "answer": [value]})
    rng.shuffle(items)  # the expressions must not depend on the order of the items
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}, answers


@pytest.mark.parametrize("q", fhir_profiles.questionnaires(), ids=lambda q: q["id"])
def test_renderer_scores_equal_our_scorer_on_generated_answer_sets(q):
    instrument = instrument_from_questionnaire(q)
    rng = random.Random(f"sdc-{q['id']}")
    seen = set()
    for _ in range(SETS):
        qr, answers = answer_set(q, rng)
        ours = score_answers(instrument, answers)
        theirs = renderer_scores(q, qr)
        assert set(theirs) == set(ours.scales), q["id"]
        for code, scale in ours.scales.items():
            seen.add(scale.method)
            if scale.sum is None:
                assert theirs[code] is None, (code, answers)
            else:
                assert theirs[code] is not None and math.isclose(
                    theirs[code], scale.sum, abs_tol=1e-9), (code, answers, theirs)
    assert seen == {"sum", "prorated-sum", None}  # every rule was exercised


def test_reverse_keyed_item_is_reversed_in_the_expression():
    q = fhir_profiles.questionnaire("alliance-checkin-client")
    qr = {"resourceType": "QuestionnaireResponse", "item": [
        {"linkId": "task-1", "answer": [{"valueCoding": {"code": "4"}}]},
        {"linkId": "task-2", "answer": [{"valueCoding": {"code": "0"}}]}]}
    assert renderer_scores(q, qr)["task"] == 8.0  # "Not at all" on the reverse item weighs 4


def test_score_items_are_not_inputs_and_a_renderers_score_is_ignored():
    """The app never asks for a score item nor trusts one: a response a renderer filled, its
    own total included (even a wrong one), scores as the answers say."""
    from plugin.alliance import score_questionnaire_response
    from plugin.recording.answers import form_fields

    q = fhir_profiles.questionnaire("wai-sr-client")
    assert [f.link_id for f in form_fields(q)] == [str(n) for n in range(1, 13)]
    instrument = instrument_from_questionnaire(q)
    assert set(instrument.items) == {str(n) for n in range(1, 13)}
    qr, _ = answer_set(q, random.Random(1))
    qr["questionnaire"] = q["url"]
    qr["item"] = [{"linkId": str(n), "answer": [{"valueCoding": {"code": "2"}}]}
                  for n in range(1, 13)] + [{"linkId": "score-total", "text": "Total score",
                                             "answer": [{"valueDecimal": 59}]}]
    assert score_questionnaire_response(instrument, qr).total.sum == 24
