"""What a rater reads in the shipped Questionnaires fits whenever the form is answered: a client
answers on their own phone before or after the session (a link, their patient portal), and a
therapist may record the next morning. So no item, prefix, option or help text speaks of
"today" or "yesterday": the page names the session by its date, the items say "this session".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import fhir_profiles

DAY_WORDS = re.compile(r"\b(today|today's|tonight|yesterday|this morning|this afternoon)\b",
                       re.IGNORECASE)
QUESTIONNAIRES = fhir_profiles.questionnaires()


def shown(items: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(linkId, text) for every text a renderer shows: item text and prefix, option displays
    and strings, and nested help or display items."""
    for item in items:
        for key in ("text", "prefix"):
            if item.get(key):
                yield item["linkId"], str(item[key])
        for option in item.get("answerOption", []):
            value = option.get("valueCoding", {}).get("display") or option.get("valueString")
            if value:
                yield item["linkId"], str(value)
        yield from shown(item.get("item", []))


@pytest.mark.parametrize("questionnaire", QUESTIONNAIRES, ids=lambda q: q["id"])
def test_no_text_a_rater_reads_assumes_the_form_is_answered_on_the_day_of_the_session(
        questionnaire: dict[str, Any]) -> None:
    dated = [(link, text) for link, text in shown(questionnaire["item"])
             if DAY_WORDS.search(text)]
    assert dated == [], f"{questionnaire['id']}: say 'this session', not the day: {dated}"


def test_every_text_a_rater_reads_is_checked() -> None:
    client = fhir_profiles.questionnaire("alliance-checkin-client")
    texts = dict(shown(client["item"]))
    assert {"goal-1", "task-1", "task-2", "bond-1", "bond-2", "helpful"} <= set(texts)
