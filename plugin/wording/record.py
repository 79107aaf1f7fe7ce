"""The recording pages' words: the record chooser, the form (its notes, fields, buttons and
errors), an expired form, what a page says after a post. A stored rating's own page and its
removal: plugin/wording/rating.py.

The templates (plugin/web/templates/record/) receive this module as ``record_words`` and hold
only the markup around these words.
"""

from __future__ import annotations

from plugin.wording.pages import PRODUCT, titled


def _n(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# -- the form -----------------------------------------------------------------------------------
TODAY = "today's session"


def client_form_title(session: str | None) -> str:
    """The client's form, handed over in the session (``session``: its date, when known)."""
    return f"Questions about {session or TODAY}"


def client_form_heading(session: str | None) -> str:
    return f"A few questions about {session or TODAY}"


def correct_heading(form: str) -> str:
    return f"Correct: {form}"


def who(patient: str, session_day: str | None) -> str:
    """The client and session a form is for, as the notes above it name them."""
    return f"{patient}, session of {session_day}" if session_day else patient


def form_note(short: str, note: str) -> str:
    """What the form is (``short``: its short name; ``note``: the instrument's note)."""
    return f"The {short.lower() if short == 'Check-in' else short} is {note}."


def see_stored(rater: str) -> str:
    return f"See the stored {rater} rating (opens beside this page)"


CORRECT_WITH_THESE = "Correct the stored rating with these answers"
REASON_FOR_CORRECTION = "Reason for the correction"
SAVE = "Save"
SAVE_CORRECTION = "Save correction"
CANCEL = "Cancel"


def check_answers(count: int) -> str:
    """Above the list of a form's errors."""
    return f"Please check {count} answer{'s' if count != 1 else ''}"


def paper_item(number: object) -> str:
    """A licensed paper form's item, named by its number."""
    return f"Item {number} of the paper form"


OPTIONAL = "(optional)"
LOWEST = "lowest"
HIGHEST = "highest"

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


# -- correcting a stored rating from the form (its page: plugin/wording/rating.py) ----------
CORRECT_WHY = "To correct the stored rating with the answers on this page, say why"

# -- a field's error, beside the field --------------------------------------------------------
ANSWER_THIS = "Please answer this question."
CHOOSE_AN_ANSWER = "Please choose an answer."
CHOOSE_ONE_SHOWN = "Choose one of the answers shown."
ENTER_A_NUMBER = "Enter a number, for example 7.5."
NO_CONTROL_CHARACTERS = "Remove the invisible control characters from this answer."
REASON_NEEDED = "Please give the reason for this change."


def number_between(lowest: float, highest: float) -> str:
    return f"Enter a number from {lowest:g} to {highest:g}."


def keep_under(characters: int) -> str:
    return f"Please keep this under {characters} characters."


# -- the record chooser --------------------------------------------------------------------------
RECORD_THIS_SESSION = "Record this session's alliance"
RECORD_HEADING = "Record the alliance"
RECORD_TITLE = titled(RECORD_HEADING)


def record_heading(patient: str, session_day: str | None) -> str:
    return f"{RECORD_HEADING}: {who(patient, session_day)}"


YOU_RATE = "you rate the session"
CLIENT_ANSWERS_IT = "the client answers"
FROM_PAPER = "from the client's paper form"
RATE_THIS_SESSION = "Rate this session"
HAND_OVER = "Hand over to the client"
MAKE_LINK = "Make a link for the client's phone"
ENTER_PAPER = "Enter a paper form"
NO_SESSION_TO_RECORD = ("No session is open: open Alliance Panel from the session in the chart "
                        "to record a rating.")

# -- a form sent after the sign-in ended ---------------------------------------------------------
EXPIRED_TITLE = titled("Your answers are kept")
SIGN_IN_ENDED = f"{PRODUCT}'s sign-in with the EHR has ended"
CARRY_ON_HEADING = "To carry on"
SIGN_IN_RAN_OUT = "Nothing was saved yet: the sign-in ran out before you pressed Save."


def draft_kept_until(until: str, hours: str) -> str:
    return (f"Nothing is lost: Alliance Panel keeps your answers as your draft, for you only, "
            f"until {until} UTC ({hours} hours).")


CARRY_ON = ("Open Alliance Panel again from this client's chart, on the same session.",
            "Open the same form: your answers are filled in.",
            "Check them and press Save.")

# -- what a recording page says after a post -----------------------------------------------------
DRAFT_RESTORED = "Your answers from earlier were restored from your draft. Check them and save."
OPENS_AS_CORRECTION = ("This session already has a rating on this form, so it opens as a "
                       "correction of the stored one.")
UNCHANGED = ("Nothing was changed: these answers are the ones already stored, so no new version "
             "was saved. Change an answer to correct it, or cancel.")
GIVE_A_REASON = "Give a reason of 3 to 500 characters."
FORM_INCOMPLETE = "The form was incomplete; check it and send again."
CHANGE_REFUSED = "The change was refused."
CLIENTS_ANSWERS = ("These are the client's answers: no one can change them here. If they were "
                   "recorded by mistake, remove them from the record's page; the client can then "
                   "answer again.")
REMOVED_NOT_CORRECTED = ("This rating was removed as recorded by mistake, so it cannot be "
                         "corrected.")
RATING_NOT_FOUND = "This rating could not be found. Go back to the panel and open it from there."
OTHER_PATIENTS = ("This rating belongs to another patient than the one open in the chart, so it "
                  "is not shown. Go back to the panel and open it from there.")


def already_rated(rater: str, *, queued: bool, when: str, client_page: bool) -> str:
    """A second rating of a session on the same form: nothing new is stored."""
    if client_page:
        return ("These questions have already been answered for this session. Please hand the "
                "device back to your therapist.")
    if queued:
        return (f"This session already has a {rater} rating on this form, waiting to be stored "
                "in the patient's record. Nothing new was saved; your answers are still on this "
                "page.")
    saved = f" (saved {when})" if when else ""
    if rater == "client":
        return (f"This session already has the client's answers on this form{saved}. Nothing "
                "new was stored. The stored answers stay as they are; remove them from their "
                "page if they were recorded by mistake. Your answers are still on this page.")
    return (f"This session already has a {rater} rating on this form{saved}. Nothing new was "
            "stored. Your answers are still on this page: correct the stored rating with them "
            "below, or look at it first.")


def own_rating(who: str) -> str:
    """Above the therapist's own form (``who``: the client and session, when known)."""
    return "Your own rating of the session" + (f" with {who}" if who else "") + "."


def client_form_note(who: str) -> str:
    """Above a client's paper form typed in by the clinician."""
    return "Enter the answers from the client's completed form" + (f" ({who})" if who else "") + "."
