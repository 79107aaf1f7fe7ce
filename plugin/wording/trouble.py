"""What a clinician or a client reads when something did not go as planned: a save that failed
or waits, where ratings are kept, an error page.

In the EHR's terms ("the EHR", "the patient's record"): what happened, whether anything was lost
(and where the answers are), and what to do next. Never a server word (FHIR, HTTP, a status, an
address): the technical text goes to the log and behind "Details for your IT team". Which
sentence an error gets is decided in plugin/web/plain_words.py.
"""

from __future__ import annotations

TELL_IT = "If it keeps happening, tell your IT team what this page says."
STORE_UNREACHABLE = ("The place where ratings are kept could not be reached just now, so "
                     "nothing was shown or changed there. Nothing is lost.")

# -- a rating not stored yet (the outbox's `why`), as "Not stored yet: <sentence>." ---------------
UNSENT = {
    "unreachable": "the EHR did not answer",
    "not_allowed": "the EHR did not let Alliance Panel in just then",
    "busy": "the EHR was too busy to take it",
    "ehr_error": "the EHR had a problem taking it",
    "refused": "the EHR refused it",
    "recording.launch_ended": "the chart it was saved from was closed before the EHR took it",
    "recording.no_companion": "the place set up to keep ratings is no longer there (tell your "
                              "IT team)",
    "recording.no_response_saved": "the EHR did not confirm it",
    "store_unreachable": "the place where ratings are kept could not be reached",
}


def unsent(why: str) -> str:
    return UNSENT.get(why, "the EHR could not take it just now")


# -- a save (or a correction, or a removal) that did not go through ------------------------------
KEPT = "Your answers are not lost: they are still on this page."
CLIENT_NOT_SENT = ("Your answers could not be sent just now. They are still on this page: "
                   "press Send to try again, or hand the device back to your therapist.")
SAVE_AGAIN = "Press Save again in a moment."
CHANGED_MEANWHILE = ("Nothing was saved: this rating was changed since the form was opened "
                     "(perhaps it was already saved). Open the rating again to see its current "
                     f"version. {KEPT}")
STORE_DID_NOT_SAVE = ("The place where ratings are kept could not be reached, so nothing was "
                      "saved.")
EHR_SILENT_NOT_SAVED = "The EHR did not answer, so nothing was saved."
EHR_DENIED_NOT_SAVED = ("The EHR did not let Alliance Panel save to the patient's record, so "
                        "nothing was saved.")
EHR_DENIED_THEN = ("Press Save again; if the EHR still refuses, open Alliance Panel again from "
                   "the chart.")
EHR_REFUSED_NOT_SAVED = "The EHR refused to store this rating, so nothing was saved."
RETRY_WONT_HELP = "Trying again will not help: tell your IT team what this page says."
EHR_PROBLEM_NOT_SAVED = "The EHR had a problem and nothing was saved."
OTHER_WINDOWS_MARK = ("Nothing was saved: this page was sent with the mark of a rating saved "
                      "from another window, so it was not used for this one. "
                      f"{KEPT} Press Save to save them.")
NOT_RECORDED = ("Alliance Panel could not make a record of these answers, so nothing was saved. "
                f"{KEPT} Tell your IT team what this page says.")


def not_saved(what: str, then: str, *, tell_it: bool = True) -> str:
    """A save that did not go through: what happened, that the answers are kept, what next."""
    return f"{what} {KEPT} {then}" + (f" {TELL_IT}" if tell_it else "")


# -- where ratings are kept (the panel's footer, the record chooser) -----------------------------
KEPT_IN_COMPANION = ("Ratings are kept in a separate store your organisation set up for "
                     "Alliance Panel, because the EHR cannot keep them; they show here beside "
                     "the chart.")
KEPT_IN_EHR = "Ratings are saved in the patient's record in the EHR."
KEPT_NOWHERE = ("The EHR does not say it can keep these ratings, and nothing else is set up to "
                "keep them, so saving may be refused. If it is, tell your IT team.")
