"""What SDC form renderers read from the package: coded answers with systems and displays,
weights where both renderer families look, score items, and a current narrative everywhere."""

from __future__ import annotations

import json

import pytest

import fhir_profiles
from fhir_profiles.tools.narrative import with_narrative
from fhir_profiles.tools.sdc import _displays, sdc_questionnaire

FILES = sorted(p for p in fhir_profiles.PACKAGE_DIR.glob("*.json") if p.name != "package.json")
WEIGHTS = {"http://hl7.org/fhir/StructureDefinition/ordinalValue",
           "http://hl7.org/fhir/StructureDefinition/itemWeight"}


def _code_systems() -> dict[str, dict[str, str]]:
    return _displays(fhir_profiles.PACKAGE_DIR)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_resource_has_a_current_generated_narrative(path):
    resource = json.loads(path.read_text(encoding="utf-8"))
    assert resource["text"]["status"] == "generated"
    assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert with_narrative(resource) == resource, (
        "narrative is stale: run python -m fhir_profiles.tools.narrative")


@pytest.mark.parametrize("q", fhir_profiles.questionnaires(), ids=lambda q: q["id"])
def test_questionnaire_is_what_the_sdc_tool_makes_of_it(q):
    assert sdc_questionnaire(q, _code_systems()) == q, (
        "Questionnaire is stale: run python -m fhir_profiles.tools.sdc, then tools.narrative")


@pytest.mark.parametrize("q", fhir_profiles.questionnaires(), ids=lambda q: q["id"])
def test_every_answer_is_coded_in_a_package_code_system_with_weights_in_both_places(q):
    systems = _code_systems()
    for item in q["item"]:
        for coding in item.get("code", []):
            assert coding["display"] == systems[coding["system"]][coding["code"]]
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            assert coding["display"] == systems[coding["system"]][coding["code"]]
            on_option = {e["url"]: e["valueDecimal"] for e in option["extension"]}
            on_coding = {e["url"]: e["valueDecimal"] for e in coding["extension"]}
            assert set(on_option) == WEIGHTS and on_option == on_coding
            assert len(set(on_option.values())) == 1


@pytest.mark.parametrize("q", fhir_profiles.questionnaires(), ids=lambda q: q["id"])
def test_each_scale_has_a_read_only_optional_score_item(q):
    scales = {e["extension"][0]["valueCoding"]["code"] for e in q["extension"]
              if e["url"].endswith("/alliance-scoring")} or {"total"}
    scores = [i for i in q["item"] if i["linkId"].startswith("score-")]
    assert {i["code"][0]["code"] for i in scores} == scales
    for item in scores:
        assert item["readOnly"] is True and item["required"] is False
        assert item["type"] == "decimal" and item["extension"][0]["valueExpression"]["expression"]
