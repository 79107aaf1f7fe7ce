"""Instruments: the scoring rules of an alliance Questionnaire, read from its definition.

Nothing here is specific to one instrument. Weights come from each answer option's
``itemWeight`` (or R4 ``ordinalValue``) extension, numeric items from ``minValue``/``maxValue``,
an item's scale from its ``item.code`` in the Alliance Panel CodeSystem, and each scale's range
and minimum answered fraction from the ``alliance-scoring`` extension on the Questionnaire.
Norms (SD, test-retest reliability, cut-off) are not read here: they live, with their sources,
in ``fhir_profiles/norms/`` per instrument and rater (``norms.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugin.alliance.errors import InvalidInstrument
from plugin.alliance.vocabulary import (
    CALCULATED_EXPRESSION,
    CODE_SYSTEM,
    ITEM_WEIGHT,
    MAX_VALUE,
    MIN_VALUE,
    ORDINAL_VALUE,
    SCORING_EXTENSION,
    TEXT_PACK_REQUIRED_EXTENSION,
    TOTAL,
)

DEFAULT_MINIMUM_ANSWERED = 0.75
SCORED_TYPES = {"choice", "decimal", "integer"}


@dataclass(frozen=True)
class ItemDef:
    """One scored item: its option weights (choice items) or numeric bounds (numeric items)."""

    link_id: str
    component: str | None
    weights: Mapping[str, float] = field(default_factory=dict)
    minimum: float = 0.0
    maximum: float = 0.0

    @property
    def numeric(self) -> bool:
        return not self.weights


@dataclass(frozen=True)
class ScaleDef:
    """A reported scale (total or a component): its items, range and minimum answered."""

    code: str
    item_ids: tuple[str, ...]
    minimum: float
    maximum: float
    minimum_answered: float = DEFAULT_MINIMUM_ANSWERED


def is_calculated(item: Mapping[str, Any]) -> bool:
    """An item whose answer a renderer computes (an SDC score): never an input, never scored.

    The app ignores such items: not shown on its forms, not stored, and accepted without effect
    in responses other tools made (the score is always our scorer's)."""
    return any(isinstance(e, Mapping) and e.get("url") == CALCULATED_EXPRESSION
               for e in item.get("extension") or [])


@dataclass(frozen=True)
class Instrument:
    url: str
    version: str | None
    title: str
    items: Mapping[str, ItemDef]
    scales: Mapping[str, ScaleDef]
    text_items: tuple[str, ...] = ()
    text_pack_required: bool = False
    calculated_items: tuple[str, ...] = ()

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(code for code in self.scales if code != TOTAL)


def _decimal(extensions: list[dict[str, Any]], url: str) -> float | None:
    for ext in extensions:
        if ext.get("url") == url:
            value = ext.get("valueDecimal", ext.get("valueInteger"))
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            raise InvalidInstrument(f"Extension {url} needs a number.")
    return None


def _read_item(item: dict[str, Any]) -> ItemDef:
    link_id = str(item["linkId"])
    codes = [c for c in item.get("code", []) if c.get("system") == CODE_SYSTEM]
    component = str(codes[0]["code"]) if codes else None
    if item["type"] != "choice":
        lo, hi = (
            _decimal(item.get("extension", []), MIN_VALUE),
            _decimal(item.get("extension", []), MAX_VALUE),
        )
        if lo is None or hi is None or lo > hi:
            raise InvalidInstrument(f"Numeric item {link_id} needs minValue <= maxValue.")
        return ItemDef(link_id, component, {}, lo, hi)
    weights: dict[str, float] = {}
    for option in item.get("answerOption", []):
        coding = option.get("valueCoding")
        if not coding or "code" not in coding:
            raise InvalidInstrument(f"Item {link_id}: every answerOption needs a valueCoding.")
        found = {w for exts in (coding.get("extension", []), option.get("extension", []))
                 for url in (ITEM_WEIGHT, ORDINAL_VALUE)
                 if (w := _decimal(exts, url)) is not None}
        if len(found) != 1:
            raise InvalidInstrument(
                f"Item {link_id} option {coding['code']} has "
                f"{'no weight' if not found else 'different weights'} (itemWeight/ordinalValue "
                "on the option and on its coding must agree).")
        weight = found.pop()
        weights[str(coding["code"])] = weight
    if not weights:
        raise InvalidInstrument(f"Choice item {link_id} has no answer options.")
    return ItemDef(link_id, component, weights, min(weights.values()), max(weights.values()))


def _walk_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        out.append(item)
        out += _walk_items(item.get("item", []))
    return out


def _scale_parameters(q: dict[str, Any]) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    for ext in q.get("extension", []):
        if ext.get("url") != SCORING_EXTENSION:
            continue
        values: dict[str, Any] = {}
        for sub in ext.get("extension", []):
            value = next((v for k, v in sub.items() if k.startswith("value")), None)
            values[sub["url"]] = value["code"] if isinstance(value, dict) else value
        if "scale" not in values:
            raise InvalidInstrument("An alliance-scoring extension has no scale.")
        params[str(values["scale"])] = values
    return params


def _build_scale(code: str, items: list[ItemDef], p: dict[str, Any]) -> ScaleDef:
    lo = sum(i.minimum for i in items)
    hi = sum(i.maximum for i in items)
    for key, computed in (("minimum", lo), ("maximum", hi)):
        if key in p and not math.isclose(float(p[key]), computed):
            raise InvalidInstrument(
                f"Scale {code}: declared {key} {p[key]} but the items give {computed:g}."
            )
    fraction = float(p.get("minimumAnswered", DEFAULT_MINIMUM_ANSWERED))
    if not 0.0 < fraction <= 1.0:
        raise InvalidInstrument(f"Scale {code}: minimumAnswered must be in (0, 1].")
    return ScaleDef(code, tuple(i.link_id for i in items), lo, hi, fraction)


def instrument_from_questionnaire(q: Mapping[str, Any]) -> Instrument:
    """Read an Instrument (items, weights, components, scales, norms) from a Questionnaire dict."""
    if q.get("resourceType") != "Questionnaire" or not q.get("url"):
        raise InvalidInstrument("An instrument must be a Questionnaire with a url.")
    qd = dict(q)
    try:
        walked = _walk_items(qd.get("item", []))
        all_items = [i for i in walked if not is_calculated(i)]
        scored = [_read_item(i) for i in all_items if i.get("type") in SCORED_TYPES]
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidInstrument(f"Questionnaire {q['url']} has a malformed item: {err}") from err
    if not scored:
        raise InvalidInstrument(f"Questionnaire {q['url']} has no scored items.")
    params = _scale_parameters(qd)
    scales = {TOTAL: _build_scale(TOTAL, scored, params.get(TOTAL, {}))}
    for code in dict.fromkeys(i.component for i in scored if i.component):
        members = [i for i in scored if i.component == code]
        scales[code] = _build_scale(code, members, params.get(code, {}))
    unknown = set(params) - set(scales)
    if unknown:
        raise InvalidInstrument(f"Scoring parameters for scales without items: {sorted(unknown)}.")
    text_pack = any(
        e.get("url") == TEXT_PACK_REQUIRED_EXTENSION and e.get("valueBoolean")
        for e in qd.get("extension", [])
    )
    return Instrument(
        url=str(q["url"]),
        version=q.get("version"),
        title=str(q.get("title", q["url"])),
        items={i.link_id: i for i in scored},
        scales=scales,
        text_items=tuple(
            str(i["linkId"]) for i in all_items if i.get("type") in ("text", "string")
        ),
        text_pack_required=text_pack,
        calculated_items=tuple(str(i["linkId"]) for i in walked if is_calculated(i)),
    )
