"""The recording pages' longer sentences: the form's notes, a stored rating, a removal, an
expired form.

The templates (plugin/web/templates/record/) receive this module as ``record_words`` and keep
the markup around these sentences.
"""

from __future__ import annotations

from collections.abc import Sequence


def _n(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# -- the form -----------------------------------------------------------------------------------
# The client's form: the intro ends with the name of its button (shown in bold).
CLIENT_FORM_INTRO = ("Your answers help your therapist and you talk about how the sessions are "
                     "going. Choose the answer that fits best for each question, then press")
CLIENT_SEND = "Send"


def transcription_note(who: str) -> str:
    """Above a licensed paper form typed in by item number."""
    whose = f" ({who})" if who else ""
    return (f"Enter the answers from the client's completed paper form{whose}. The wording of "
            "this questionnaire is licensed, so each item shows its number and the ends of its "
            "scale.")


def correction_note(version: str, status: str) -> str:
    return (f"Version {version}, {status}. The corrected answers are saved as a new version, "
            "with your reason; the earlier one stays in the history.")


def line_hint(minimum: float | None, maximum: float | None) -> str:
    """How to read a mark on a paper form's line (the SRS) into a number."""
    return (f"A number from {_n(minimum)} (the left end of the line, the lowest) to "
            f"{_n(maximum)} (the right end, the highest): where the mark is, measured from the "
            "left. Decimals allowed, e.g. 7.5.")


FORM_EXPIRED = ("Your answers could not be kept: this form was opened too long ago, or its page "
                "was replaced when the device was handed to the client. Open Alliance Panel "
                "again from the client's chart and enter them again.")


# -- a stored rating -----------------------------------------------------------------------------
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
