"""Make the shipped Questionnaires usable by SDC form renderers (LHC-Forms, Smart Forms, ...).

For each Questionnaire in the package, from what it already declares (option codes and weights,
item scales, the ``alliance-scoring`` extension):

- every answer option's coding gets the ``system`` and ``display`` of its CodeSystem in this
  package (``ANSWER_SYSTEMS``), and every item scale coding the display of ``alliance-panel``;
- each option's weight (``ordinalValue`` and ``itemWeight``) sits on the option itself (where
  LHC-Forms reads it) and on its coding (where Smart Forms reads it);
- per scale, a ``variable`` holding the weights of its answered items and a read-only decimal
  item (linkId ``score-<scale>``) whose ``calculatedExpression`` is the score exactly as
  ``plugin.alliance.scoring`` computes it (sum; prorated sum when at least the minimum fraction
  is answered; no total when a whole component is unanswered).

The expressions map an option code to its weight arithmetically (``a + b * code``): FHIRPath's
``weight()`` is not in every engine. A weight that is not linear in the code stops the tool.

Run ``python -m fhir_profiles.tools.sdc`` after editing a Questionnaire, then
``python -m fhir_profiles.tools.narrative``; the tests check that both are current.
"""

from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent.parent
CANONICAL = "https://alliance-panel.org/fhir"
SCALES_SYSTEM = f"{CANONICAL}/CodeSystem/alliance-panel"
SCORING = f"{CANONICAL}/StructureDefinition/alliance-scoring"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
SCORE_PREFIX = "score-"
#: The CodeSystem of each Questionnaire's answer options.
ANSWER_SYSTEMS = {
    "alliance-checkin-client": f"{CANONICAL}/CodeSystem/alliance-checkin-answer",
    "alliance-checkin-therapist": f"{CANONICAL}/CodeSystem/alliance-checkin-answer",
    "wai-sr-client": f"{CANONICAL}/CodeSystem/alliance-rating-point",
}
SCORE_TEXT = {"total": "Total score", "goal": "Goals score", "task": "Tasks score",
              "bond": "Bond score"}
Json = dict[str, Any]


def _read(path: Path) -> Json:
    data: Json = json.loads(path.read_text(encoding="utf-8"))
    return data


def _displays(folder: Path) -> dict[str, dict[str, str]]:
    """CodeSystem url -> code -> display, for every CodeSystem in the package."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("CodeSystem-*.json")):
        cs = _read(path)
        codes: dict[str, str] = {}
        stack = list(cs.get("concept", []))
        while stack:
            concept = stack.pop()
            codes[concept["code"]] = concept["display"]
            stack += concept.get("concept", [])
        out[cs["url"]] = codes
    return out


def _weight(option: Json) -> float:
    for ext in option["valueCoding"].get("extension", []) + option.get("extension", []):
        if ext["url"] in (ITEM_WEIGHT, ORDINAL_VALUE):
            return float(ext["valueDecimal"])
    raise ValueError(f"option {option['valueCoding']['code']} has no weight")


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _weight_extensions(weight: float) -> list[Json]:
    return [{"url": ORDINAL_VALUE, "valueDecimal": _number(weight)},
            {"url": ITEM_WEIGHT, "valueDecimal": _number(weight)}]


def _choice_expression(item: Json, weights: dict[str, float]) -> str:
    """FHIRPath for the weight of the item's answer: ``a + b * code`` fitted and checked."""
    codes = sorted(weights, key=float)
    (c0, c1) = (float(codes[0]), float(codes[-1]))
    slope = (weights[codes[-1]] - weights[codes[0]]) / (c1 - c0)
    offset = weights[codes[0]] - slope * c0
    for code, weight in weights.items():
        if not math.isclose(offset + slope * float(code), weight):
            raise ValueError(f"item {item['linkId']}: weights are not linear in the codes")
    answer = f"%resource.repeat(item).where(linkId = '{item['linkId']}').answer.value"
    if slope == 1 and offset == 0:
        return f"{answer}.code.toInteger()"
    if slope == -1:
        return f"{answer}.code.toInteger().select({_number(offset)} - $this)"
    return f"{answer}.code.toInteger().select({_number(offset)} + {_number(slope)} * $this)"


def _item_expression(item: Json) -> str:
    if item["type"] == "choice":
        return _choice_expression(item, {o["valueCoding"]["code"]: _weight(o)
                                         for o in item["answerOption"]})
    return f"%resource.repeat(item).where(linkId = '{item['linkId']}').answer.value"


def _scale_parameters(q: Json) -> dict[str, Json]:
    params: dict[str, Json] = {}
    for ext in q.get("extension", []):
        if ext["url"] == SCORING:
            values = {s["url"]: next(v for k, v in s.items() if k.startswith("value"))
                      for s in ext["extension"]}
            params[values["scale"]["code"]] = values
    return params


def _combine(expressions: list[str]) -> str:
    """The union keeping duplicates (``|`` would drop equal weights)."""
    head, *rest = expressions
    return head + "".join(f".combine({e})" for e in rest)


def _score_expression(var: str, n_items: int, fraction: float, guards: list[str]) -> str:
    needed = math.ceil(fraction * n_items - 1e-9)
    total = f"%{var}.aggregate($this + $total, 0)"
    score = (f"iif(%{var}.count() = {n_items}, {total}, "
             f"iif(%{var}.count() >= {needed}, {total} / %{var}.count() * {n_items}, {{}}))")
    if guards:
        return f"iif({' or '.join(f'%{g}.empty()' for g in guards)}, {{}}, {score})"
    return score


def _scored(q: Json) -> list[Json]:
    return [i for i in q["item"] if i["type"] in ("choice", "decimal", "integer")
            and not str(i["linkId"]).startswith(SCORE_PREFIX)]


def sdc_questionnaire(q: Json, displays: dict[str, dict[str, str]]) -> Json:
    """The Questionnaire with systems, displays, weights in both places and SDC scoring."""
    out = copy.deepcopy(q)
    out["item"] = [i for i in out["item"] if not str(i["linkId"]).startswith(SCORE_PREFIX)]
    out["extension"] = [e for e in out.get("extension", []) if e["url"] != VARIABLE]
    # by the form's name, its canonical url's last part: an earlier version (fhir_profiles/
    # previous/) has an id of its own
    system = ANSWER_SYSTEMS.get(str(out["url"]).rsplit("/", 1)[-1])
    by_scale: dict[str, list[Json]] = {}
    for item in _scored(out):
        for coding in item.get("code", []):
            coding["display"] = displays[SCALES_SYSTEM][coding["code"]]
            by_scale.setdefault(coding["code"], []).append(item)
        for option in item.get("answerOption", []):
            weight, code = _weight(option), option["valueCoding"]["code"]
            if system is None:
                raise ValueError(f"{out['id']}: no answer CodeSystem for its options")
            option["valueCoding"] = {"system": system, "code": code,
                                     "display": displays[system][code],
                                     "extension": _weight_extensions(weight)}
            option["extension"] = _weight_extensions(weight)
    params = _scale_parameters(out)
    components = [c for c in by_scale if c != "total"]
    scales = {"total": _scored(out), **{c: by_scale[c] for c in components}}
    variables, score_items = [], []
    for code, items in scales.items():
        var = f"{code}Weights"
        if code == "total" and components:
            expression = _combine([f"%{c}Weights" for c in components])
        else:
            expression = _combine([_item_expression(i) for i in items])
        variables.append({"url": VARIABLE, "valueExpression": {
            "name": var, "language": "text/fhirpath", "expression": expression}})
        guards = [f"{c}Weights" for c in components] if code == "total" else []
        fraction = float(params.get(code, {}).get("minimumAnswered", 0.75))
        score_items.append({
            "extension": [{"url": CALCULATED, "valueExpression": {
                "description": f"{SCORE_TEXT[code]}, as the Alliance Panel scores it",
                "language": "text/fhirpath",
                "expression": _score_expression(var, len(items), fraction, guards)}}],
            "linkId": f"{SCORE_PREFIX}{code}",
            "code": [{"system": SCALES_SYSTEM, "code": code,
                      "display": displays[SCALES_SYSTEM][code]}],
            "text": SCORE_TEXT[code], "type": "decimal", "required": False, "readOnly": True})
    # Components first: the total's variable combines theirs.
    out["extension"] += variables[1:] + variables[:1]
    out["item"] += score_items
    return out


def write_questionnaires(folder: Path = PACKAGE_DIR) -> list[Path]:
    displays = _displays(folder)
    written = []
    for path in sorted(folder.glob("Questionnaire-*.json")):
        q = sdc_questionnaire(_read(path), displays)
        text = json.dumps(q, indent=2, ensure_ascii=False) + "\n"
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for written_path in write_questionnaires(Path(sys.argv[1]) if len(sys.argv) > 1
                                             else PACKAGE_DIR):
        print(f"wrote {written_path.name}")
