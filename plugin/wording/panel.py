"""The panel page's longer sentences: after a save, ratings not yet stored, the glossary.

The templates (plugin/web/templates/panel*.html) receive this module as ``panel_words`` and keep
the markup around these sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugin.wording.channels import answer_again, client_own_answers

SAVED = "Saved: the rating is in the patient's record and counts in the panel below."
SENT_IN_PARTS = ("This EHR does not take a rating and its scores in one transaction, so each "
                 "part was sent on its own.")


def queued(why: str) -> str:
    """A save kept in the outbox, ``why`` in words (plugin/wording/trouble.py: unsent)."""
    return (f"Not stored yet: {why}. Nothing is lost: Alliance Panel keeps the rating and sends "
            "it to the patient's record by itself, so there is nothing to do. It is listed below "
            "until it is stored.")

NO_OPEN_ALERT = ("No alert rule is open on the ratings and sessions recorded. The rules see only "
                 "what was recorded; they cannot say the alliance is fine.")
NO_SESSIONS = "No sessions recorded for this patient yet."
NO_ALLIANCE = "No alliance has been recorded for this patient yet."
MONTHLY_WINDOW = "All sessions, one point a month (the mean of its ratings)"
RECORDING_OFF = ("Recording is off: the EHR did not let Alliance Panel save ratings. Ask your IT "
                 "team to allow it (the details for them are just below); the panel still shows "
                 "what is stored.")
NO_SESSION_OPEN = ("The app was opened from the chart without a session, so nothing can be "
                   "recorded here. Open it from the session in the chart to record a rating.")
PROMPTS_ARE_SENSITIVE = ("Sensitive on purpose: a score under the line or lower than this "
                         "client's usual. Ask; it may be nothing.")


# -- ratings not yet stored: one line per outbox item ------------------------------------------
def unsent_what(item: Mapping[str, Any]) -> str:
    """Which rating an outbox item is: the client's own answers, a correction, a removal."""
    own = client_own_answers(item)  # a hand-off, a link, the patient portal
    if own is not None:
        return own
    if item.get("kind") == "correction":
        return f"Correction of the {item.get('rater')} rating"
    if item.get("kind") == "entered-in-error":
        return f"Removal of the {item.get('rater')} rating"
    return f"{str(item.get('rater') or '').capitalize()} rating"


def not_stored_then(item: Mapping[str, Any], why: str) -> str:
    """After "not stored": why, and what the clinician does about it."""
    again = answer_again(item)  # the client's own answers: only they can give them again
    if again is not None:
        then = again
    elif item.get("kind") in ("correction", "entered-in-error"):
        then = "open the record and make the change again"
    else:
        then = "enter it again"
    return f"{why}. It was not stored: {then}."


def still_trying(attempts: int, why: str) -> str:
    """After "waiting to be stored": how often it was tried, and why it is not stored yet."""
    tried = f"{attempts} attempt{'s' if attempts != 1 else ''} so far"
    return f"({tried}{': ' + why if why else ''}); Alliance Panel keeps trying by itself."


# -- the glossary ("Words used here"): term and meaning ----------------------------------------
GLOSSARY = (
    ("Alliance", "How client and therapist work together: agreement on the goals of therapy "
                 "(goals), agreement on how to reach them (tasks), and the trust between them "
                 "(bond), after Bordin."),
    ("Check-in", "Alliance Panel's own brief questionnaire, one form for the client and one for "
                 "the therapist, 0 to 24. A feedback tool, not a validated measure."),
    ("SRS", "Session Rating Scale, filled in by the client, 0 to 40 (Duncan et al. 2003)."),
    ("WAI-SR", "Working Alliance Inventory, short revised, 12 items, 12 to 60 (Hatcher & "
               "Gillaspy 2006)."),
    ("Worth asking about", "A prompt for today's conversation: a total under the line, or lower "
                           "than the client's usual by a drop a clinician would notice (a "
                           "project default per scale). Sensitive on purpose; it may be "
                           "nothing."),
    ("Rupture, not back to usual", "An alert: after such a drop, the next rating was still well "
                                   "under the usual level. It stays open until two ratings in a "
                                   "row are back near the usual level."),
    ("Back near usual", "After a drop, a rating came back near the usual level. A score cannot "
                        "show whether the rupture was talked about."),
    ("Under the line, low for several ratings", "The SRS line is its published cut-off of 36 "
     "(PCOMS practice: talk about every SRS under 36); the check-in's lines of 18 (client) and "
     "15 (therapist) are project defaults. Low for several ratings: four in a row under the "
     "line."),
    ("Usual level", "The middle (median) of the client's previous eight ratings on the same "
                    "form."),
    ("Prorated", "A total estimated from the answered items when a few were left blank."),
)
