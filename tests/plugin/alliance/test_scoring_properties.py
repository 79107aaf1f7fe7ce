"""Property tests: scores stay in range, rise with any answer's weight, ignore answer order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import fhir_profiles
from plugin.alliance import Instrument, instrument_from_questionnaire, score_answers

INSTRUMENTS = [instrument_from_questionnaire(q) for q in fhir_profiles.questionnaires()]


def answer_for(instrument: Instrument, link_id: str, draw_index: int, fraction: float):
    item = instrument.items[link_id]
    if item.numeric:
        return round(item.minimum + fraction * (item.maximum - item.minimum), 1)
    codes = list(item.weights)
    return codes[draw_index % len(codes)]


@st.composite
def answered(draw, full: bool = False):
    instrument = draw(st.sampled_from(INSTRUMENTS))
    answers = {}
    for link_id in instrument.items:
        if not full and draw(st.booleans()) and draw(st.booleans()):
            continue  # leave about a quarter unanswered
        answers[link_id] = answer_for(instrument, link_id, draw(st.integers(0, 20)),
                                      draw(st.floats(0, 1)))
    return instrument, answers


@settings(max_examples=200, deadline=None)
@given(answered())
def test_scores_stay_in_range(case):
    instrument, answers = case
    score = score_answers(instrument, answers)
    for code, scale in score.scales.items():
        definition = instrument.scales[code]
        if scale.sum is None:
            assert code in score.unscored and scale.mean is None
            continue
        assert definition.minimum - 1e-9 <= scale.sum <= definition.maximum + 1e-9
        n = len(definition.item_ids)
        assert scale.answered >= definition.minimum_answered * n - 1e-9
        assert abs(scale.sum - scale.mean * n) < 1e-9
        assert scale.prorated == (scale.answered < n)
    assert set(score.missing_items) == set(instrument.items) - set(answers)


@settings(max_examples=200, deadline=None)
@given(answered(full=True), st.data())
def test_monotone_in_any_answer_weight(case, data):
    instrument, answers = case
    link_id = data.draw(st.sampled_from(sorted(instrument.items)))
    item = instrument.items[link_id]
    if item.numeric:
        a, b = sorted(data.draw(st.floats(item.minimum, item.maximum)) for _ in range(2))
    else:
        a, b = sorted(item.weights, key=item.weights.__getitem__)[:1] + [data.draw(
            st.sampled_from(list(item.weights)))]
    lower = score_answers(instrument, {**answers, link_id: a})
    higher = score_answers(instrument, {**answers, link_id: b})
    for code in lower.scales:
        assert higher.scale(code).sum >= lower.scale(code).sum - 1e-9


@settings(max_examples=100, deadline=None)
@given(answered(), st.randoms(use_true_random=False))
def test_answer_order_is_irrelevant(case, rnd):
    instrument, answers = case
    items = list(answers.items())
    rnd.shuffle(items)
    assert score_answers(instrument, dict(items)) == score_answers(instrument, answers)
