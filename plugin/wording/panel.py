"""The panel page's words: its banner and headings, after a save, ratings not yet stored, the
session in context, the alerts, the sessions, the trend's legend and table, the glossary.

The templates (plugin/web/templates/panel*.html) receive this module as ``panel_words`` and hold
only the markup around these words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugin.wording.channels import answer_again, client_own_answers
from plugin.wording.formats import out_of

# -- the chart's banner and the panel's title ------------------------------------------------------
PATIENT_LABEL = "Patient"


def born(day: str) -> str:
    return f"Born {day}"


def mrn(identifier: str) -> str:
    return f"MRN {identifier}"


def for_patient(name: str) -> str:
    """After the product's name, when the EHR shows no banner of its own."""
    return f"for {name}"


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
# -- where the alliance stands, this session -------------------------------------------------------
STATUS_HEADING = "Where the alliance stands"
EVIDENCE = "Evidence"
LATEST_SESSION = "Latest session"
NO_SESSION_OPEN_HEADING = "No session open"
NEXT = "Next:"


def this_session(day: str) -> str:
    return f"This session, {day}:"


def prorated(answered: int, items: int) -> str:
    """Beside a total estimated from the items answered."""
    return f"(prorated: {answered} of {items} items answered)"


def usual(value: str) -> str:
    return f"(usual {value})"


def own_words_label(rater: str) -> str:
    """What a screen reader calls a comment typed with a rating."""
    return f"The {rater}'s own words"


def wrote(rater: str) -> str:
    """Before a comment typed with a rating (shown in quotes)."""
    return f"The {rater} wrote:"


# -- alerts ----------------------------------------------------------------------------------------
OPEN_ALERTS = "Open alerts"
WORTH_ASKING_TODAY = "Worth asking about today"
HISTORY = "History"
SEE_SESSION = "See the session"


def raters(names: list[str]) -> str:
    """The raters an alert is about: "client and therapist"."""
    return " and ".join(names)


def why(findings: int) -> str:
    """The fold with an alert's evidence."""
    return "Why?" + (f" ({findings} findings)" if findings > 1 else "")


# -- sessions ------------------------------------------------------------------------------------
SESSIONS = "Sessions"
DATE = "Date"
KIND = "Type"
SESSION = "Session"
RATINGS = "Ratings"
RATER = "Rater"
SCORE = "Score"
RATER_UNKNOWN = "rater unknown"
PRORATED = "(prorated)"
PRORATED_TOTAL = "(prorated total)"
ALL_SHOWN = "All sessions."
LAST_12_SHOWN = "The last 12 sessions."
SHOW_LAST_12 = "Show the last 12"
SHOW_ALL = "Show all sessions"


def all_of_kind(kind: str) -> str:
    """Beside the sessions' count, when all are of one kind."""
    return f"all {kind}"


def session_state(status: str, cancelled_by: str | None, why: str | None) -> str:
    """A session's status, who cancelled it and why."""
    by = f" by the {cancelled_by}" if cancelled_by else ""
    return status + by + (f": {why}" if why else "")


def comments_summary(count: int) -> str:
    return f"In their own words ({count}): comments typed with a rating"


def responses_summary(count: int) -> str:
    return f"Recorded responses ({count}): answers, scores, corrections"


NO_SESSIONS = "No sessions recorded for this patient yet."
NO_ALLIANCE = "No alliance has been recorded for this patient yet."

# -- the trend -------------------------------------------------------------------------------------
TREND_HEADING = "Alliance across sessions"
KEY_CLIENT = "client"
KEY_THERAPIST = "therapist"
KEY_ALERT = "alert"
KEY_WORTH_ASKING = "worth asking"
KEY_PRORATED = "prorated"
KEY_MISSED = "missed session"
KEY_BACK_NEAR_USUAL = "back near usual"
KEY_PUBLISHED = "published cut-off"
KEY_PROJECT_LINE = "line set by the project (not published)"
KEY_USUAL_RANGE = "usual range (no published cut-off)"
MONTHLY_WINDOW = "All sessions, one point a month (the mean of its ratings)"
WINDOWS = {"monthly": MONTHLY_WINDOW, "all": "All sessions", "recent": "The last 12 sessions"}


def trend_window(which: str, first: str, last: str) -> str:
    """Which sessions the charts show (``which``: monthly, all or recent), from when to when."""
    return f"{WINDOWS[which]}, {first} to {last}."


def usual_range(values: str) -> str:
    return f"This client's usual range: {values}"


THERAPIST_LINE = "the therapist form's line"


def missed_session(day: str) -> str:
    return f"Missed session, {day}"


TABLE_SUMMARY = "The charts' numbers as a table"
SCORES_BY_SESSION = "Scores by session"
TABLE_CAPTION = "Scores by session, client then therapist"


def scale_part(scale: str, value: str, maximum: float) -> str:
    """A subscale in the charts' table: "goals 5 of 8"."""
    return f"{scale.lower()} {out_of(value, maximum)}"

RECORDING_OFF = ("Recording is off: the EHR did not let Alliance Panel save ratings. Ask your IT "
                 "team to allow it (the details for them are just below); the panel still shows "
                 "what is stored.")
NO_SESSION_OPEN = ("The app was opened from the chart without a session, so nothing can be "
                   "recorded here. Open it from the session in the chart to record a rating.")
PROMPTS_ARE_SENSITIVE = ("Sensitive on purpose: a score under the line or lower than this "
                         "client's usual. Ask; it may be nothing.")


# -- ratings not yet stored: one line per outbox item ------------------------------------------
UNSENT_HEADING = "Ratings not yet stored"
NOT_STORED = "not stored"
WAITING_TO_BE_STORED = "waiting to be stored"


def unsent_which(item: Mapping[str, Any], session_day: str | None) -> str:
    """Before the item's state (shown in bold): which rating, and of which session."""
    session = f", session of {session_day}" if session_day else ""
    return f"{unsent_what(item)}{session}:"


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
GLOSSARY_TITLE = "Words used here"
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
