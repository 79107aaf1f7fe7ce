"""Answer sets for the renderer tier and their scores counted by hand, from the instruments'
published keys, not from our Questionnaires or our scorer (which the tier checks against them).

Check-ins: options 0-4 ("Not at all" .. "Completely"), scale goal/task/bond by the linkId's
prefix, task-2 reverse-keyed (weight 4 - code). WAI-SR (Hatcher & Gillaspy 2006): options 1-5,
goal = items 4, 6, 8, 11; task = 1, 2, 10, 12; bond = 3, 5, 7, 9; no reverse-keyed item. SRS:
four marks 0-10, the total their sum.
"""

from __future__ import annotations

CHECKIN_ITEMS = ("goal-1", "goal-2", "task-1", "task-2", "bond-1", "bond-2")
CHECKIN_REVERSED = {"task-2"}
WAI_SR_SCALES = {"goal": (4, 6, 8, 11), "task": (1, 2, 10, 12), "bond": (3, 5, 7, 9)}

Answers = dict[str, str]


def _checkin(codes: tuple[int, ...]) -> Answers:
    return {link: str(code) for link, code in zip(CHECKIN_ITEMS, codes, strict=True)}


def _wai_sr(codes: tuple[int, ...]) -> Answers:
    return {str(n): str(code) for n, code in enumerate(codes, start=1)}


# Per Questionnaire id: answer-set name -> linkId -> option code or the number typed. "lowest"
# and "highest" are the score's floor and ceiling (the reverse-keyed item at the other end of
# its options); "mixed" spreads the options, the reverse-keyed item on an option of its own.
CHECKIN_SETS = {"lowest": _checkin((0, 0, 0, 4, 0, 0)),
                "highest": _checkin((4, 4, 4, 0, 4, 4)),
                "mixed": _checkin((3, 1, 4, 1, 2, 0))}
ANSWER_SETS: dict[str, dict[str, Answers]] = {
    "alliance-checkin-client": CHECKIN_SETS,
    "alliance-checkin-therapist": CHECKIN_SETS,
    "wai-sr-client": {"lowest": _wai_sr((1,) * 12), "highest": _wai_sr((5,) * 12),
                      "mixed": _wai_sr((2, 5, 3, 1, 4, 5, 2, 3, 1, 4, 5, 3))},
    "srs": {"lowest": {"1": "0", "2": "0", "3": "0", "4": "0"},
            "highest": {"1": "10", "2": "10", "3": "10", "4": "10"},
            "mixed": {"1": "7.5", "2": "9.1", "3": "3", "4": "10"}},
}


# A site's text pack for the licensed instruments, made up here (placeholders, not the wording):
# the "text-pack" case renders the pack-worded Questionnaire and fills in the "mixed" answers.
TEXT_PACK_CASE = "text-pack"
MARK = "[licensed"
TEXT_PACKS = {
    "wai-sr-client": {"en": {**{str(n): f"{MARK} item {n}]" for n in range(1, 13)},
                             "@options": {str(n): f"{MARK} anchor {n}]" for n in range(1, 6)}}},
    "srs": {"en": {str(n): f"{MARK} line {n}]" for n in range(1, 5)}},
}


def answers_for(questionnaire_id: str, answer_set: str) -> Answers:
    sets = ANSWER_SETS[questionnaire_id]
    return sets["mixed"] if answer_set == TEXT_PACK_CASE else sets[answer_set]


def hand_scores(questionnaire_id: str, answers: Answers) -> dict[str, float]:
    """Scale code -> sum, counted from the instrument's key ("total" always)."""
    if questionnaire_id.startswith("alliance-checkin-"):
        weights = {link: 4 - int(code) if link in CHECKIN_REVERSED else int(code)
                   for link, code in answers.items()}
        scales = {s: sum(w for link, w in weights.items() if link.startswith(s + "-"))
                  for s in ("goal", "task", "bond")}
        return {**scales, "total": sum(weights.values())}
    if questionnaire_id == "wai-sr-client":
        scales = {s: sum(int(answers[str(n)]) for n in items)
                  for s, items in WAI_SR_SCALES.items()}
        return {**scales, "total": sum(scales.values())}
    if questionnaire_id == "srs":
        return {"total": round(sum(float(v) for v in answers.values()), 4)}
    raise AssertionError(f"no hand key for {questionnaire_id}")
