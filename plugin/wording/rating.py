"""A stored rating's page (its status, scores, answers, versions and who changed it) and its
removal as recorded by mistake.

The templates (plugin/web/templates/record/response.html, entered_in_error.html) receive this
module as ``rating_words`` and hold only the markup around these words.
"""

from __future__ import annotations

from collections.abc import Sequence

from plugin.wording.formats import out_of
from plugin.wording.pages import PRODUCT, titled


def record_facts(rater: str, version: str, when: str) -> str:
    """After a stored rating's status: who rated it, its version, when it was answered."""
    return f" · rated by the {rater} · version {version} · answered {when}"


CORRECT = "Correct"
REMOVE = "Remove: recorded by mistake"
SCORES = "Scores"
SCALE = "Scale"
SCORE = "Score"
ITEMS_ANSWERED = "Items answered"
NOT_SCORED = "not scored"


def scale_sum(value: str, maximum: float, prorated: bool) -> str:
    """A scale's sum on a stored rating's page."""
    return out_of(value, maximum) + (" (prorated)" if prorated else "")


def items_answered(answered: int, items: int) -> str:
    return out_of(answered, items)


ANSWERS = "Answers"


def counts(weight: float, reversed_: bool) -> str:
    """Beside a chosen answer: what it counts."""
    return f"(counts {weight:g}{': scored in reverse' if reversed_ else ''})"


SCORED_IN_REVERSE = "(scored in reverse)"
VERSIONS = "Versions"
VERSION = "Version"
STATUS = "Status"
SAVED = "Saved"
WHO_CHANGED_IT = "Who changed it, and why"
WHEN = "When"
WHAT = "What"
WHO = "Who"
REASON = "Reason"


def with_app(name: str | None) -> str:
    """A change made with an app (the one named, or this one)."""
    return f"with {name or PRODUCT}"


THE_CLIENT = "the client"
A_PRACTITIONER = "a practitioner"

def saved_note(saved: str) -> str:
    """After a change to a stored rating (``saved``: the redirect's value)."""
    if saved == "corrected":
        return "The correction is saved as a new version."
    if saved == "entered-in-error":
        return ("The rating is removed as recorded by mistake: it no longer counts, and its "
                "versions stay in the history.")
    return "Saved."


def whose_answers(rater: str | None, entered_by: str | None) -> str:
    if rater == "client" and entered_by == "client":
        return "The client's own answers, as they gave them."
    if rater == "client":
        return "The client's answers from a paper form, typed in by the clinician."
    return "The therapist's own rating."


CLIENTS_ANSWERS_STAY = ("This session already has the client's answers on this form. They stay "
                        "as the client gave them: remove them if they were recorded by mistake, "
                        "and the client can answer again.")


def reversed_note(numbers: Sequence[object], lowest: tuple[str, float],
                  highest: tuple[str, float]) -> str:
    """Items scored in reverse, with what the first such item's two ends count."""
    items = ", ".join(f"item {n}" for n in numbers)
    they = "It is" if len(numbers) == 1 else "They are"
    return (f"Scored in reverse: {items}. {they} worded the other way round, so agreeing counts "
            f"low: “{lowest[0]}” counts {lowest[1]:g} and “{highest[0]}” counts "
            f"{highest[1]:g}.")


def removal_effect(form: str, rater: str, day: str) -> str:
    """Above the removal form: which rating, and what removing it does."""
    return (f"{form}, rated by the {rater}, {day}. The rating and its scores will no longer "
            "count in the panel. Nothing is deleted: every version stays in its history.")


REMOVE_TITLE = "Remove a rating recorded by mistake"
REMOVE_PAGE_TITLE = titled(REMOVE_TITLE)
REMOVE_QUESTION = "Remove this rating as recorded by mistake?"
REMOVED_ALREADY = "This rating is already removed as recorded by mistake."
NO_SCORES = "No scores could be computed for this rating."
