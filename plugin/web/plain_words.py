"""What a clinician or a client reads when something did not go as planned, in one place: a save
that failed or waits, where ratings are kept, an error page.

Errors from the layers below carry a machine ``code`` and a technical ``message`` (a status, the
server's address, the server's own words): that is for the log and the integrator. A page says
instead, in the EHR's terms ("the EHR", "the patient's record"), what happened, whether anything
was lost (and where the answers are), and what to do next. The technical text may follow behind
a fold, "Details for your IT team", with FHIR references and ids taken out (``for_it``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException

from plugin.alliance import AllianceError
from plugin.audit.errors import AuditError
from plugin.errors import ConfigError
from plugin.fhir.errors import (
    FhirAuthError,
    FhirConflict,
    FhirError,
    FhirLimitExceeded,
    FhirNotFound,
    FhirTransportError,
    FhirUnsafeUrl,
    RecordError,
    RecordStoreSignInFailed,
)
from plugin.fhir.retry import retryable
from plugin.fhir.stores import RecordStore
from plugin.launch.errors import LaunchError, StoreUnavailable
from plugin.recording.errors import RecordingError
from plugin.web.replies import reply_for
from smart_launch import SmartLaunchError
from smart_launch.errors import ResponseLimitExceeded

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
REFUSED_STATUS = 502  # the outbox found a save refused for good (the EHR's answer is gone)
CLIENT_NOT_SENT = ("Your answers could not be sent just now. They are still on this page: "
                   "press Send to try again, or hand the device back to your therapist.")


def save_failed(err: FhirError | None, *, client: bool = False) -> tuple[str, int]:
    """The page's sentence and our status (plugin/web/replies.py) for a change the EHR did not
    store (``None``: a save the outbox found refused for good)."""
    status = reply_for(err)[0] if err is not None else REFUSED_STATUS
    if client:
        return CLIENT_NOT_SENT, status
    if isinstance(err, FhirConflict):
        return ("Nothing was saved: this rating was changed since the form was opened (perhaps "
                "it was already saved). Open the rating again to see its current version. "
                f"{KEPT}", status)
    if isinstance(err, RecordStoreSignInFailed):
        text = "The place where ratings are kept could not be reached, so nothing was saved."
        then = "Press Save again in a moment."
    elif isinstance(err, FhirTransportError):
        text = "The EHR did not answer, so nothing was saved."
        then = "Press Save again in a moment."
    elif isinstance(err, FhirAuthError) and retryable(err):
        text = ("The EHR did not let Alliance Panel save to the patient's record, so nothing "
                "was saved.")
        then = ("Press Save again; if the EHR still refuses, open Alliance Panel again from the "
                "chart.")
    elif err is None or not retryable(err):
        text = "The EHR refused to store this rating, so nothing was saved."
        then = "Trying again will not help: tell your IT team what this page says."
        return f"{text} {KEPT} {then}", status
    else:
        text = "The EHR had a problem and nothing was saved."
        then = "Press Save again in a moment."
    return f"{text} {KEPT} {then} {TELL_IT}", status


def submission_conflict(*, client: bool = False) -> str:
    """A form posted with the identifier of another launch's save (that save is untouched)."""
    if client:
        return CLIENT_NOT_SENT
    return ("Nothing was saved: this page was sent with the mark of a rating saved from "
            f"another window, so it was not used for this one. {KEPT} Press Save to save them.")


def not_recorded(*, client: bool = False) -> str:
    """Answers the app could not turn into a record (nothing was sent)."""
    if client:
        return CLIENT_NOT_SENT
    return ("Alliance Panel could not make a record of these answers, so nothing was saved. "
            f"{KEPT} Tell your IT team what this page says.")


# -- where ratings are kept (the panel's footer, the record chooser) -----------------------------
def store_note(records: RecordStore) -> str:
    if records.where == "companion":
        return ("Ratings are kept in a separate store your organisation set up for Alliance "
                "Panel, because the EHR cannot keep them; they show here beside the chart.")
    if records.accepted:
        return "Ratings are saved in the patient's record in the EHR."
    return ("The EHR does not say it can keep these ratings, and nothing else is set up to keep "
            "them, so saving may be refused. If it is, tell your IT team.")


def store_details(records: RecordStore) -> str:
    """For the IT fold: the technical reason, when the plain note leaves something out."""
    return "" if records.where == "ehr" and records.accepted else for_it(records.reason)


# -- error pages -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ErrorWords:
    sentence: str
    details: str  # for the IT fold ("" when the sentence says it all)


BY_CODE = {
    "launch.unknown_iss": "Alliance Panel is not set up for the EHR it was opened from, so it "
                          "did not open. Your EHR administrator can add this EHR to its settings.",
    "launch.missing_iss": "Alliance Panel was opened without saying which EHR it belongs to. "
                          "Open it from a patient's chart in the EHR.",
    "launch.parameter_too_long": "The link that opened Alliance Panel was too long to be "
                                 "accepted. Open it again from the patient's chart.",
    "recording.no_author": "The EHR did not say who is signed in, so a rating would have no "
                           "author. Open Alliance Panel again from the chart, signed in as "
                           "yourself.",
    "recording.no_encounter": "No session is open: Alliance Panel was opened without a session, "
                              "so a rating cannot be tied to one. Open it from the session in "
                              "the chart.",
    "recording.unknown_form": "This form is not one Alliance Panel offers here. Go back to the "
                              "panel and choose a form from its list.",
    "recording.unknown_questionnaire": "This rating was made with a form Alliance Panel does "
                                       "not know, so it cannot be shown here. It is still in the "
                                       "patient's record.",
}

# The error classes whose message is written for the person in front of the page.
PLAIN_MESSAGES = (LaunchError, RecordingError)


def error_words(err: Exception) -> ErrorWords:
    code = str(getattr(err, "code", ""))
    message = str(getattr(err, "message", ""))
    technical = for_it(f"{code}: {message}" if message else code)
    if code in BY_CODE:
        return ErrorWords(BY_CODE[code], technical)
    if isinstance(err, PLAIN_MESSAGES) and not isinstance(err, StoreUnavailable) and message:
        return ErrorWords(message, code)
    return ErrorWords(_by_class(err), technical)


# An answer past a bound (smart_launch.limits), by its code's ending: what the server did.
BOUND_WORDS = {
    "too_large": "sent an answer larger than Alliance Panel reads",
    "too_many_entries": "sent a list longer than Alliance Panel reads at once",
    "too_deep": "sent an answer nested more deeply than Alliance Panel reads",
    "too_slow": "took longer to answer than Alliance Panel waits",
}


def bound_words(err: FhirLimitExceeded | ResponseLimitExceeded) -> str:
    """The sentence for an answer past a bound, naming the server (its host) it came from."""
    where = err.server if isinstance(err, FhirLimitExceeded) else err.url
    host = urlsplit(where).netloc or where
    what = next((words for end, words in BOUND_WORDS.items() if err.code.endswith(end)),
                BOUND_WORDS["too_large"])
    if isinstance(err, ResponseLimitExceeded):
        return (f"The EHR's sign-in server at {host} {what}, so Alliance Panel stopped and did "
                f"not open. Open it again from the patient's chart. {TELL_IT}")
    slow = err.code.endswith("too_slow")
    then = "Try again in a moment." if slow else "Trying again may not help."
    return (f"The EHR at {host} {what}, so Alliance Panel stopped; nothing was changed. {then} "
            f"{TELL_IT}")


def _by_class(err: Exception) -> str:
    if isinstance(err, FhirLimitExceeded | ResponseLimitExceeded):
        return bound_words(err)
    if isinstance(err, StoreUnavailable):
        return ("Alliance Panel cannot reach its own storage just now. Nothing already saved is "
                f"lost. Try again in a minute. {TELL_IT}")
    if isinstance(err, ConfigError):
        return "Alliance Panel is not set up correctly, so it cannot go on. " + TELL_IT
    if isinstance(err, AuditError):
        return ("Alliance Panel cannot keep its audit trail just now, so it did not go on. Nothing "
                f"already saved is lost. {TELL_IT}")
    if isinstance(err, AllianceError):
        return ("This form could not be used: its definition has a problem. Tell your IT team "
                "what this page says.")
    if isinstance(err, RecordError):
        return not_recorded()
    if isinstance(err, RecordStoreSignInFailed):
        return (f"{STORE_UNREACHABLE} Try again in a moment. {TELL_IT}")
    if isinstance(err, FhirTransportError):
        return f"The EHR did not answer, so nothing was changed. Try again in a moment. {TELL_IT}"
    if isinstance(err, FhirAuthError):
        return ("The EHR did not let Alliance Panel read or change this (its sign-in may have run "
                "out). Open Alliance Panel again from the patient's chart.")
    if isinstance(err, FhirNotFound):
        return "The EHR could not find this. It may have been removed: go back to the panel."
    if isinstance(err, FhirUnsafeUrl):
        return ("The EHR's answer pointed somewhere Alliance Panel does not go, so it stopped; "
                "nothing was sent there. Tell your IT team what this page says.")
    if isinstance(err, FhirError) and retryable(err):
        return f"The EHR could not do this just now; nothing was changed. Try again. {TELL_IT}"
    if isinstance(err, FhirError):
        return ("The EHR could not do this, so nothing was changed. Trying again will not help: "
                "tell your IT team what this page says.")
    if isinstance(err, SmartLaunchError):
        return ("Signing in with the EHR did not work, so Alliance Panel did not open. Open it "
                f"again from the patient's chart. {TELL_IT}")
    return f"Something went wrong. Open Alliance Panel again from the chart. {TELL_IT}"


HTTP_WORDS = {
    400: ("This request could not be used", "Alliance Panel could not use what was sent. Go "
          "back and try again, or open Alliance Panel again from the chart."),
    403: ("Not allowed", "This page is not open to this window. Open Alliance Panel again from "
          "the patient's chart."),
    404: ("Page not found", "This page does not exist (the link may be old). Open Alliance Panel "
          "again from the patient's chart."),
    405: ("Page not found", "This page cannot be used this way. Go back and try again."),
    413: ("Too much to send", "What was sent is too large. Shorten the text and try again."),
}


def http_words(err: HTTPException) -> tuple[str, str, str]:
    """Title, sentence and IT details for a werkzeug error: our own description when a route
    gave one, else a plain sentence for its status (werkzeug's own texts speak of servers)."""
    status = err.code or 500
    title, sentence = HTTP_WORDS.get(status, ("Something went wrong", _by_class(err)))
    own = err.description and err.description != type(err).description
    return title, str(err.description) if own else sentence, f"HTTP {status}: {err.name}"


# -- the IT fold: technical, but never a FHIR reference or id -----------------------------------
_REFERENCE = re.compile(
    r"\b(Patient|Practitioner|PractitionerRole|Encounter|Appointment|QuestionnaireResponse|"
    r"Observation|Provenance|Organization|Device|RelatedPerson|Questionnaire)/[A-Za-z0-9\-.]+")
_ID = re.compile(r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                 r"|[0-9a-f]{16,})\b")


def it_details(err: FhirError | RecordingError | LaunchError | AllianceError) -> str:
    return for_it(f"{err.code}: {err.message}")


def for_it(text: str) -> str:
    """Technical text with every FHIR reference and resource id replaced by a placeholder."""
    return _ID.sub("(id)", _REFERENCE.sub(lambda m: f"{m.group(1)}/(id)", text))[:600]
