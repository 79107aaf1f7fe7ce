"""Our four Questionnaires in two SDC renderers nobody on this project wrote (LHC-Forms and the
Smart Forms renderer): each rendered, filled by clicking with the hand-keyed answer sets, and its
exported QuestionnaireResponse, with the context our app adds, stored the way the panel reads it:
it validates in HAPI against our profile, our scorer gives the hand-counted scores, and so does
the renderer's own total where the Questionnaire has SDC calculatedExpression items. No request
leaves the machine and the page throws nothing."""

from __future__ import annotations

import datetime
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests

import fhir_profiles
from plugin.alliance import apply_text_pack, instrument_from_questionnaire
from plugin.alliance.scoring import score_questionnaire_response
from plugin.alliance.vocabulary import CODE_SYSTEM, TOTAL
from plugin.fhir.foreign_responses import response_for_storage
from plugin.fhir.record_resources import build_questionnaire_response
from tests.renderers.drivers import RENDERERS, fill
from tests.renderers.hand_key import (
    ANSWER_SETS,
    MARK,
    TEXT_PACK_CASE,
    TEXT_PACKS,
    answers_for,
    hand_scores,
)
from tests.renderers.run_log import FHIR_JSON, LOOKUPS, VALIDATION_WARNINGS, RendererPage
from tests.renderers.site import Site

pytestmark = [pytest.mark.browser, pytest.mark.interop]

CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
# The context our app adds (plugin/fhir's builder) and the stored response takes from it.
CONTEXT = ("extension", "identifier", "subject", "encounter", "author", "source", "authored")
CASES = [(r.name, q, s) for r in RENDERERS for q, sets in ANSWER_SETS.items()
         for s in [*sets, *([TEXT_PACK_CASE] if q in TEXT_PACKS else [])]]


def questionnaire(questionnaire_id: str) -> dict[str, Any]:
    found = [r for r in fhir_profiles.load_resources()
             if r["resourceType"] == "Questionnaire" and r["id"] == questionnaire_id]
    assert len(found) == 1, f"no Questionnaire {questionnaire_id} in fhir_profiles"
    return found[0]


@dataclass
class Filled:
    exported: dict[str, Any]  # as the renderer exports it
    stored: dict[str, Any]  # with our context: what a form builder POSTs for the panel
    blocked: list[str]
    page_errors: list[str]
    console_errors: list[str]
    lookups: list[str]


def with_our_context(exported: dict[str, Any], q: dict[str, Any]) -> dict[str, Any]:
    """The renderer's response as the app stores another tool's response (no licensed wording),
    with the context our app's builder writes, status completed (the host app's call once the
    person finishes) and our profile in meta.profile."""
    rater = "therapist" if q["id"].endswith("-therapist") else "client"
    author = "Practitioner/renderer-tier" if rater == "therapist" else "Patient/renderer-tier"
    ours = build_questionnaire_response(
        questionnaire=q, instrument=instrument_from_questionnaire(q), answers={}, rater=rater,
        patient="Patient/renderer-tier", encounter="Encounter/renderer-tier", author=author,
        source=author, authored=datetime.datetime.now(datetime.UTC),
        submission_id=str(uuid.uuid4()))
    stored = {k: v for k, v in response_for_storage(exported).items() if k != "id"}
    stored.update({k: ours[k] for k in CONTEXT})
    stored["meta"] = {**exported.get("meta", {}), "profile": ours["meta"]["profile"]}
    stored["status"] = "completed"
    return stored


FILLED: dict[tuple[str, str, str], Filled] = {}


@pytest.fixture
def filled(request: pytest.FixtureRequest, renderer_pages: dict[str, RendererPage],
           site: Site) -> Filled:
    """The case's form rendered, filled and exported once; the figures of that run."""
    key = request.param
    if key not in FILLED:
        name, questionnaire_id, answer_set = key
        opened = renderer_pages[name]
        before = (len(opened.blocked), len(opened.page_errors), len(opened.console_errors),
                  len(LOOKUPS))
        q = questionnaire(questionnaire_id)
        if answer_set == TEXT_PACK_CASE:  # shown with the site's wording
            q = apply_text_pack(q, TEXT_PACKS[questionnaire_id], "en")
        page = opened.page
        page.evaluate("([q, tx]) => window.renderForm(q, tx)", [q, site.terminology])
        answers = answers_for(questionnaire_id, answer_set)
        fill(opened.renderer, page, q, answers)
        settle_calculations(page, q, hand_scores(questionnaire_id, answers))
        exported = page.evaluate("() => window.currentResponse()")
        FILLED[key] = Filled(exported, with_our_context(exported, q),
                             opened.blocked[before[0]:], opened.page_errors[before[1]:],
                             opened.console_errors[before[2]:], LOOKUPS[before[3]:])
    return FILLED[key]


# True once every calculated item's answer equals the value given for it (the renderers compute
# after each answer, asynchronously: the last answer's total can lag the answer itself).
CALCULATED_AS = """(want) => {
  const values = {};
  const walk = (items) => (items || []).forEach((i) => {
    const a = (i.answer || [])[0];
    if (a) values[i.linkId] = a.valueDecimal ?? a.valueInteger ?? (a.valueQuantity || {}).value;
    walk(i.item);
  });
  walk(window.currentResponse().item);
  return Object.entries(want).every(([link, v]) => Math.abs((values[link] ?? NaN) - v) < 1e-6);
}"""


def settle_calculations(page: Any, q: dict[str, Any], expected: dict[str, float]) -> None:
    """Wait (a few seconds at most) for the renderer's totals to reach the hand key; a renderer
    that never does is then caught by the test that compares them."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    want = {link: expected[scale] for link, scale in calculated_items(q).items()}
    if want:
        try:
            page.wait_for_function(CALCULATED_AS, arg=want, timeout=5_000)
        except PlaywrightTimeout:
            pass


def case_ids(case: tuple[str, str, str]) -> str:
    return "-".join(case)


parametrize = pytest.mark.parametrize("filled", CASES, ids=case_ids, indirect=True)


@parametrize
def test_no_request_leaves_the_machine_and_the_page_throws_nothing(filled: Filled) -> None:
    assert filled.blocked == [], "requests off the machine (aborted)"
    assert filled.lookups == [], "terminology look-ups for codes the Questionnaire should carry"
    assert filled.page_errors == [], "uncaught errors in the page"
    assert filled.console_errors == [], "console errors"


def validate(hapi: str, resource: dict[str, Any]) -> list[str]:
    answer = requests.post(f"{hapi}/QuestionnaireResponse/$validate", json=resource,
                           headers=FHIR_JSON, timeout=120)
    outcome = answer.json()
    assert outcome.get("resourceType") == "OperationOutcome", answer.text[:1000]
    errors = []
    for issue in outcome.get("issue") or []:
        line = f"{issue.get('diagnostics')} @ {', '.join(issue.get('expression') or [])}"
        if issue.get("severity") in ("error", "fatal"):
            errors.append(line)
        elif issue.get("severity") == "warning":
            VALIDATION_WARNINGS.append(line)
    return errors


@parametrize
def test_the_response_with_our_context_validates_against_our_profile(filled: Filled,
                                                                     hapi: str) -> None:
    assert validate(hapi, filled.stored) == []


@parametrize
def test_our_scorer_gives_the_hand_key(filled: Filled,
                                       request: pytest.FixtureRequest) -> None:
    _, questionnaire_id, answer_set = request.node.callspec.params["filled"]
    q = questionnaire(questionnaire_id)
    expected = hand_scores(questionnaire_id, answers_for(questionnaire_id, answer_set))
    score = score_questionnaire_response(instrument_from_questionnaire(q), filled.stored)
    got = {code: s.sum for code, s in score.scales.items() if code in expected}
    assert got == pytest.approx(expected)
    assert set(got) == set(expected)


@pytest.mark.parametrize("filled", [c for c in CASES if c[2] == TEXT_PACK_CASE], ids=case_ids,
                         indirect=True)
def test_a_response_filled_from_a_text_pack_is_stored_without_the_wording(
        filled: Filled) -> None:
    assert MARK in json.dumps(filled.exported)  # the renderer copied the pack's wording in
    assert MARK not in json.dumps(filled.stored)


def calculated_items(q: dict[str, Any]) -> dict[str, str]:
    """linkId -> scale of every item the Questionnaire has SDC compute (scale: the item's code
    in our CodeSystem, else the total)."""
    out: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if any(e.get("url") == CALCULATED for e in item.get("extension", [])):
                codes = [c["code"] for c in item.get("code", []) if c.get("system") == CODE_SYSTEM]
                out[str(item["linkId"])] = codes[0] if codes else TOTAL
            walk(item.get("item", []))

    walk(q.get("item", []))
    return out


def answered_number(response: dict[str, Any], link_id: str) -> float | None:
    def walk(items: list[dict[str, Any]]) -> float | None:
        for item in items:
            if item.get("linkId") == link_id:
                for answer in item.get("answer", []):
                    for key in ("valueDecimal", "valueInteger", "valueQuantity"):
                        value = answer.get(key)
                        if isinstance(value, dict):
                            value = value.get("value")
                        if isinstance(value, int | float):
                            return float(value)
            found = walk(item.get("item", []))
            if found is not None:
                return found
        return None

    return walk(response.get("item", []))


@parametrize
def test_the_renderers_own_total_gives_the_hand_key(filled: Filled,
                                                    request: pytest.FixtureRequest) -> None:
    _, questionnaire_id, answer_set = request.node.callspec.params["filled"]
    q = questionnaire(questionnaire_id)
    computed = calculated_items(q)
    if not computed:
        pytest.skip(f"{questionnaire_id} has no calculatedExpression item: nothing to compute")
    expected = hand_scores(questionnaire_id, answers_for(questionnaire_id, answer_set))
    got = {link: answered_number(filled.exported, link) for link in computed}
    want = {link: expected[scale] for link, scale in computed.items()}
    assert all(v is not None and math.isclose(v, want[k], abs_tol=1e-6)
               for k, v in got.items()), f"renderer computed {got}, hand key {want}"
