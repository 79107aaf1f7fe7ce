"""Scoring: answers in, total and component scores out, as the instrument defines them.

Rules (the same for every instrument):

- A scale (the total or a component) is scored only when at least its ``minimum_answered``
  fraction of items (default 75%) is answered; otherwise its sum and mean are ``None`` and it is
  listed in ``Score.unscored``. Nothing is imputed silently.
- With every item answered the sum is the plain sum of weights (``method == "sum"``). With some
  items missing but enough answered the sum is prorated: the mean of the answered items times the
  number of items, and ``method == "prorated-sum"`` says so.
- No total when a whole component (subscale) is unanswered: prorating it would stand in the
  other components for the missing one. The total is then unscored whatever the fraction.
- The mean is on the item scale (e.g. 1-5 for the WAI-SR).
- Reverse-keyed items need nothing special: their options carry descending weights.
- An answer for an unknown item, an unknown option or a number out of range raises a typed
  ``AnswerError``; a score is never produced from a bad answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from plugin.alliance.errors import (
    AnswerOutOfRange,
    InvalidAnswer,
    UnknownItem,
    UnknownOption,
    UnknownQuestionnaire,
)
from plugin.alliance.instruments import Instrument, ItemDef, ScaleDef
from plugin.alliance.vocabulary import TOTAL

Answer = str | int | float | None
Method = Literal["sum", "prorated-sum"]


@dataclass(frozen=True)
class ScaleScore:
    scale: str
    sum: float | None
    mean: float | None
    answered: int
    n_items: int
    minimum: float
    maximum: float
    method: Method | None

    @property
    def scored(self) -> bool:
        return self.sum is not None

    @property
    def prorated(self) -> bool:
        return self.method == "prorated-sum"


@dataclass(frozen=True)
class Score:
    instrument_url: str
    total: ScaleScore
    components: Mapping[str, ScaleScore]
    weights: Mapping[str, float]
    missing_items: tuple[str, ...]
    unscored: tuple[str, ...]

    def scale(self, code: str) -> ScaleScore:
        """The score for ``"total"`` or a component code."""
        return self.total if code == TOTAL else self.components[code]

    @property
    def scales(self) -> dict[str, ScaleScore]:
        return {TOTAL: self.total, **self.components}


def _weigh(item: ItemDef, answer: Answer) -> float:
    if isinstance(answer, bool):
        raise InvalidAnswer(f"Item {item.link_id}: a true/false answer is not valid.", item.link_id)
    if not item.numeric:
        code = str(answer) if isinstance(answer, int | str) else None
        if code is None or code not in item.weights:
            raise UnknownOption(
                f"Item {item.link_id}: {answer!r} is not one of its options "
                f"({', '.join(item.weights)}).",
                item.link_id,
            )
        return item.weights[code]
    try:
        value = float(answer) if isinstance(answer, int | float | str) else math.nan
    except ValueError as err:
        raise InvalidAnswer(
            f"Item {item.link_id}: {answer!r} is not a number.", item.link_id
        ) from err
    if not math.isfinite(value):
        raise InvalidAnswer(f"Item {item.link_id}: {answer!r} is not a number.", item.link_id)
    if not item.minimum <= value <= item.maximum:
        raise AnswerOutOfRange(
            f"Item {item.link_id}: {value:g} is outside {item.minimum:g} to {item.maximum:g}.",
            item.link_id,
        )
    return value


def _score_scale(scale: ScaleDef, weights: Mapping[str, float]) -> ScaleScore:
    values = [weights[i] for i in scale.item_ids if i in weights]
    n_items = len(scale.item_ids)
    enough = bool(values) and len(values) >= scale.minimum_answered * n_items - 1e-9
    if not enough:
        return ScaleScore(
            scale.code, None, None, len(values), n_items, scale.minimum, scale.maximum, None
        )
    mean = sum(values) / len(values)
    if len(values) == n_items:
        return ScaleScore(
            scale.code, sum(values), mean, n_items, n_items, scale.minimum, scale.maximum, "sum"
        )
    return ScaleScore(
        scale.code,
        mean * n_items,
        mean,
        len(values),
        n_items,
        scale.minimum,
        scale.maximum,
        "prorated-sum",
    )


def score_answers(instrument: Instrument, answers: Mapping[str, Answer]) -> Score:
    """Score answers keyed by linkId: an option code (or its integer) or a number; None = missing.

    Answers to free-text items and to calculated (score) items are accepted and ignored; any
    other unknown linkId is an error.
    """
    weights: dict[str, float] = {}
    for link_id, answer in answers.items():
        item = instrument.items.get(link_id)
        if item is None:
            if link_id in instrument.text_items and (answer is None or isinstance(answer, str)):
                continue
            if link_id in instrument.calculated_items:
                continue  # a renderer's own score: ours is computed from the answers
            raise UnknownItem(f"{instrument.title} has no scored item {link_id!r}.", link_id)
        if answer is None or answer == "":
            continue
        weights[link_id] = _weigh(item, answer)
    scales = {code: _score_scale(s, weights) for code, s in instrument.scales.items()}
    total = scales.pop(TOTAL)
    if any(s.answered == 0 for s in scales.values()):
        total = ScaleScore(TOTAL, None, None, total.answered, total.n_items, total.minimum,
                           total.maximum, None)
    unscored = tuple(code for code, s in {TOTAL: total, **scales}.items() if not s.scored)
    missing = tuple(i for i in instrument.items if i not in weights)
    return Score(instrument.url, total, scales, weights, missing, unscored)


def _answer_value(link_id: str, answer: dict[str, Any]) -> Answer:
    if "valueCoding" in answer:
        return str(answer["valueCoding"].get("code", ""))
    for key in ("valueInteger", "valueDecimal", "valueString"):
        if key in answer:
            value: Answer = answer[key]
            return value
    raise InvalidAnswer(f"Item {link_id}: unsupported answer type {sorted(answer)}.", link_id)


def _collect(items: list[dict[str, Any]], out: dict[str, Answer]) -> None:
    for item in items:
        link_id = str(item.get("linkId", ""))
        answers = item.get("answer", [])
        if len(answers) > 1:
            raise InvalidAnswer(
                f"Item {link_id} has {len(answers)} answers; one expected.", link_id
            )
        if answers:
            if link_id in out:
                raise InvalidAnswer(f"Item {link_id} is answered twice.", link_id)
            out[link_id] = _answer_value(link_id, answers[0])
            _collect(answers[0].get("item", []), out)
        _collect(item.get("item", []), out)


def answers_from_questionnaire_response(qr: Mapping[str, Any]) -> dict[str, Answer]:
    """The answers of a QuestionnaireResponse dict, keyed by linkId (nested items included)."""
    out: dict[str, Answer] = {}
    _collect(list(qr.get("item", [])), out)
    return out


def score_questionnaire_response(instrument: Instrument, qr: Mapping[str, Any]) -> Score:
    """Score a QuestionnaireResponse dict; it must answer this instrument's Questionnaire."""
    named = str(qr.get("questionnaire", "")).split("|", 1)[0]
    if named != instrument.url:
        raise UnknownQuestionnaire(
            f"The response answers {named or 'no questionnaire'!r}, not {instrument.url!r}."
        )
    return score_answers(instrument, answers_from_questionnaire_response(qr))
