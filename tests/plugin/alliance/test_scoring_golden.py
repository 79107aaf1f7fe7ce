"""Golden vectors for every shipped instrument, computed by hand (see the comments)."""

from __future__ import annotations

import pytest

from plugin.alliance import (
    AnswerOutOfRange,
    InvalidAnswer,
    UnknownItem,
    UnknownOption,
    UnknownQuestionnaire,
    score_answers,
    score_questionnaire_response,
)

# ---- Alliance check-in (client form): 0-4 per item, task-2 reverse-keyed (code "0" weighs 4).


def test_checkin_all_minimum_weight(checkin):
    answers = {"goal-1": "0", "goal-2": "0", "task-1": "0", "task-2": "4", "bond-1": "0",
               "bond-2": "0"}
    s = score_answers(checkin, answers)
    assert (s.total.sum, s.total.mean) == (0, 0)
    assert {c: v.sum for c, v in s.components.items()} == {"goal": 0, "task": 0, "bond": 0}
    assert s.missing_items == () and s.unscored == ()


def test_checkin_all_maximum_weight(checkin):
    answers = {"goal-1": "4", "goal-2": "4", "task-1": "4", "task-2": "0", "bond-1": "4",
               "bond-2": "4"}
    s = score_answers(checkin, answers)
    assert (s.total.sum, s.total.mean, s.total.method) == (24, 4, "sum")
    assert {c: v.sum for c, v in s.components.items()} == {"goal": 8, "task": 8, "bond": 8}


def test_checkin_reverse_keyed_item_uses_descending_weights(checkin):
    # every answer is code "0": forward items weigh 0, task-2 ("0") weighs 4.
    s = score_answers(checkin, {link: "0" for link in checkin.items})
    assert s.total.sum == 4
    assert s.scale("task").sum == 4 and s.scale("goal").sum == 0 and s.scale("bond").sum == 0
    assert s.weights["task-2"] == 4


MIXED = {"goal-1": "4", "goal-2": "3", "task-1": "2", "task-2": "1", "bond-1": "4",
         "bond-2": "2", "helpful": "Shorter homework, please."}


def test_checkin_mixed(checkin):
    # goal 4+3=7, task 2+(4-1)=5, bond 4+2=6, total 18; means 3.5, 2.5, 3, 3.
    s = score_answers(checkin, MIXED)
    assert s.total.sum == 18 and s.total.mean == 3
    assert (s.scale("goal").sum, s.scale("goal").mean) == (7, 3.5)
    assert (s.scale("task").sum, s.scale("task").mean) == (5, 2.5)
    assert (s.scale("bond").sum, s.scale("bond").mean) == (6, 3)


def test_checkin_missing_over_75_percent_is_prorated_and_flagged(checkin):
    answers = {k: v for k, v in MIXED.items() if k != "bond-2"}
    s = score_answers(checkin, answers)
    # total: 5 of 6 answered (83%); mean (4+3+2+3+4)/5 = 3.2, prorated 3.2*6 = 19.2
    assert s.total.sum == pytest.approx(19.2) and s.total.prorated
    assert s.total.answered == 5
    # bond: 1 of 2 answered (50%) -> not scored
    assert s.scale("bond").sum is None and s.unscored == ("bond",)
    assert s.missing_items == ("bond-2",)
    assert s.scale("goal").sum == 7 and not s.scale("goal").prorated


def test_checkin_missing_under_75_percent_is_not_scored(checkin):
    answers = {k: v for k, v in MIXED.items() if k not in ("bond-2", "goal-1")}
    s = score_answers(checkin, answers)  # total 4 of 6 = 67%
    assert s.total.sum is None and s.total.mean is None
    assert set(s.unscored) == {"total", "goal", "bond"}
    assert s.scale("task").sum == 5


# ---- WAI-SR client form (structure only): 1-5; Task 1,2,10,12; Bond 3,5,7,9; Goal 4,6,8,11.

WAI_MIXED = {"1": 5, "2": 4, "3": 3, "4": 2, "5": 1, "6": 5, "7": 4, "8": 3, "9": 2, "10": 1,
             "11": 5, "12": 4}


def test_wai_all_minimum_and_maximum(wai):
    low = score_answers(wai, {str(n): 1 for n in range(1, 13)})
    high = score_answers(wai, {str(n): "5" for n in range(1, 13)})
    assert low.total.sum == 12 and high.total.sum == 60
    assert {c: v.sum for c, v in low.components.items()} == {"task": 4, "bond": 4, "goal": 4}
    assert {c: v.sum for c, v in high.components.items()} == {"task": 20, "bond": 20, "goal": 20}


def test_wai_mixed(wai):
    s = score_answers(wai, WAI_MIXED)
    assert (s.scale("task").sum, s.scale("task").mean) == (14, 3.5)  # 5+4+1+4
    assert (s.scale("bond").sum, s.scale("bond").mean) == (10, 2.5)  # 3+1+4+2
    assert (s.scale("goal").sum, s.scale("goal").mean) == (15, 3.75)  # 2+5+3+5
    assert (s.total.sum, s.total.mean) == (39, 3.25)


def test_wai_missing_one_item_prorates(wai):
    s = score_answers(wai, {k: v for k, v in WAI_MIXED.items() if k != "12"})
    assert s.total.sum == pytest.approx(35 / 11 * 12)
    assert s.scale("task").sum == pytest.approx((5 + 4 + 1) / 3 * 4)  # 3 of 4 = 75%: scored
    assert s.scale("task").prorated and s.missing_items == ("12",)


def test_wai_missing_half_a_component(wai):
    s = score_answers(wai, {k: v for k, v in WAI_MIXED.items() if k not in ("10", "12")})
    assert s.scale("task").sum is None and s.unscored == ("task",)
    assert s.total.sum == pytest.approx(34 / 10 * 12)  # 10 of 12 answered


def test_wai_missing_a_third_leaves_total_unscored(wai):
    s = score_answers(wai, {k: v for k, v in WAI_MIXED.items() if k not in ("1", "2", "3", "4")})
    assert s.total.sum is None and "total" in s.unscored


# ---- SRS (structure only): 4 visual-analogue items 0-10, total 0-40, total only.

def test_srs_minimum_maximum_mixed(srs):
    assert score_answers(srs, {str(n): 0 for n in range(1, 5)}).total.sum == 0
    assert score_answers(srs, {str(n): 10 for n in range(1, 5)}).total.sum == 40
    s = score_answers(srs, {"1": 9.1, "2": 8.4, "3": 7.0, "4": 9.5})
    assert s.total.sum == pytest.approx(34.0) and s.components == {}


def test_srs_missing(srs):
    three = score_answers(srs, {"1": 9.1, "2": 8.4, "3": 7.0})
    assert three.total.sum == pytest.approx(24.5 / 3 * 4) and three.total.prorated
    assert score_answers(srs, {"1": 9.1, "2": 8.4}).total.sum is None


# ---- Typed errors, never a wrong score.

@pytest.mark.parametrize("answers,error", [
    ({"goal-1": "7"}, UnknownOption),
    ({"goal-1": "Mostly"}, UnknownOption),
    ({"nope": "1"}, UnknownItem),
    ({"goal-1": True}, InvalidAnswer),
    ({"helpful": 3}, UnknownItem),
])
def test_checkin_bad_answers(checkin, answers, error):
    with pytest.raises(error) as info:
        score_answers(checkin, answers)
    assert info.value.code.startswith("alliance.") and info.value.message


@pytest.mark.parametrize("value,error", [(10.5, AnswerOutOfRange), (-1, AnswerOutOfRange),
                                         ("x", InvalidAnswer), (float("nan"), InvalidAnswer)])
def test_srs_bad_numbers(srs, value, error):
    with pytest.raises(error):
        score_answers(srs, {"1": value})


def qr_for(instrument_url, answers):
    items = []
    for link, value in answers.items():
        answer = {"valueDecimal": value} if isinstance(value, float) else {
            "valueCoding": {"code": str(value)}}
        items.append({"linkId": link, "answer": [answer]})
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": instrument_url + "|0.1.0", "item": items}


def test_score_questionnaire_response(wai, checkin):
    assert score_questionnaire_response(wai, qr_for(wai.url, WAI_MIXED)).total.sum == 39
    with pytest.raises(UnknownQuestionnaire):
        score_questionnaire_response(checkin, qr_for(wai.url, WAI_MIXED))


def test_score_questionnaire_response_rejects_two_answers(wai):
    qr = qr_for(wai.url, WAI_MIXED)
    qr["item"][0]["answer"].append({"valueCoding": {"code": "1"}})
    with pytest.raises(InvalidAnswer):
        score_questionnaire_response(wai, qr)


def test_no_total_when_a_whole_component_is_unanswered():
    # a site's WAI-SR variant asking only half the items for the total: all four Bond items
    # missing would otherwise be prorated from Task and Goal.
    import fhir_profiles
    from plugin.alliance import instrument_from_questionnaire

    q = fhir_profiles.questionnaire("wai-sr-client")
    for ext in q["extension"]:
        for sub in ext.get("extension", []):
            if sub["url"] == "minimumAnswered":
                sub["valueDecimal"] = 0.5
    lenient = instrument_from_questionnaire(q)
    answers = {link: "4" for link in lenient.items if link not in ("3", "5", "7", "9")}
    s = score_answers(lenient, answers)
    assert s.total.sum is None and "total" in s.unscored and "bond" in s.unscored
    assert s.scale("task").sum == 16 and s.scale("goal").sum == 16
    one_bond = score_answers(lenient, {**answers, "3": "4"})
    assert one_bond.total.sum == 48 and one_bond.total.prorated  # 36 / 9 * 12
