"""The sentences of the error page: by error code, by kind of failure, by HTTP status.

Which one a given error gets is decided in plugin/web/plain_words.py.
"""

from __future__ import annotations

from plugin.wording.trouble import STORE_UNREACHABLE, TELL_IT

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

# An answer past a bound (smart_launch.limits), by its code's ending: what the server did.
BOUND_WORDS = {
    "too_large": "sent an answer larger than Alliance Panel reads",
    "too_many_entries": "sent a list longer than Alliance Panel reads at once",
    "too_deep": "sent an answer nested more deeply than Alliance Panel reads",
    "too_slow": "took longer to answer than Alliance Panel waits",
}


def sign_in_server_past_bound(host: str, what: str) -> str:
    return (f"The EHR's sign-in server at {host} {what}, so Alliance Panel stopped and did "
            f"not open. Open it again from the patient's chart. {TELL_IT}")


def ehr_past_bound(host: str, what: str, *, slow: bool) -> str:
    then = "Try again in a moment." if slow else "Trying again may not help."
    return (f"The EHR at {host} {what}, so Alliance Panel stopped; nothing was changed. {then} "
            f"{TELL_IT}")


RECORD_STORE_DOWN = f"{STORE_UNREACHABLE} Try again in a moment. {TELL_IT}"
OWN_STORAGE_DOWN = ("Alliance Panel cannot reach its own storage just now. Nothing already saved "
                    f"is lost. Try again in a minute. {TELL_IT}")
NOT_SET_UP = "Alliance Panel is not set up correctly, so it cannot go on. " + TELL_IT
AUDIT_TRAIL_DOWN = ("Alliance Panel cannot keep its audit trail just now, so it did not go on. "
                    f"Nothing already saved is lost. {TELL_IT}")
FORM_DEFINITION_BROKEN = ("This form could not be used: its definition has a problem. Tell your "
                          "IT team what this page says.")
EHR_SILENT = f"The EHR did not answer, so nothing was changed. Try again in a moment. {TELL_IT}"
EHR_DENIED = ("The EHR did not let Alliance Panel read or change this (its sign-in may have run "
              "out). Open Alliance Panel again from the patient's chart.")
EHR_NOT_FOUND = "The EHR could not find this. It may have been removed: go back to the panel."
EHR_POINTED_ELSEWHERE = ("The EHR's answer pointed somewhere Alliance Panel does not go, so it "
                         "stopped; nothing was sent there. Tell your IT team what this page "
                         "says.")
EHR_COULD_NOT = f"The EHR could not do this just now; nothing was changed. Try again. {TELL_IT}"
EHR_COULD_NOT_FOR_GOOD = ("The EHR could not do this, so nothing was changed. Trying again will "
                          "not help: tell your IT team what this page says.")
SIGN_IN_FAILED = ("Signing in with the EHR did not work, so Alliance Panel did not open. Open it "
                  f"again from the patient's chart. {TELL_IT}")
SOMETHING_WENT_WRONG = f"Something went wrong. Open Alliance Panel again from the chart. {TELL_IT}"

# An error page's title per error class (by the class's name; plugin/web/replies.py gives the
# status, and an error takes the entry of its nearest class).
TITLES = {
    "ConfigError": "Alliance Panel is not set up correctly",
    "LaunchError": "Alliance Panel could not open",
    "LaunchRefused": "Alliance Panel could not open",
    "LaunchExpired": "Open Alliance Panel again",
    "LaunchLimited": "Please wait a few minutes",
    "LaunchBusy": "Please wait a few minutes",
    "LaunchStoreBusy": "Alliance Panel is busy",
    "StoreUnavailable": "Alliance Panel cannot reach its storage",
    "RecordingError": "This cannot be recorded",
    "AllianceError": "The form could not be used",
    "FhirError": "The EHR could not do this",
    "FhirAuthError": "The EHR did not allow this",
    "FhirConflict": "The record was changed in the EHR",
    "FhirNotFound": "Not found in the EHR",
    "FhirLimitExceeded": "The EHR's answer could not be used",
    "RecordError": "The record could not be built",
    "RecordStoreSignInFailed": "Ratings could not be reached",
    "AuditError": "Alliance Panel cannot keep its audit trail",
    "DeployError": "The EHR did not take Alliance Panel's set-up",
    "SmartLaunchError": "Sign-in with the EHR failed",
    "TransportError": "Sign-in with the EHR failed",
    "ResponseLimitExceeded": "Sign-in with the EHR failed",
}

# Title and sentence per HTTP status (werkzeug's own texts speak of servers).
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
HTTP_OTHER_TITLE = "Something went wrong"

# A request the app's own guards refused (plugin/web/security.py, csrf.py, request_origin.py).
FORM_NOT_VERIFIED = ("The form could not be verified (its security check is missing or belongs "
                     "to another session). Nothing was saved. Open the form again from the panel.")
FROM_ANOTHER_SITE = ("This request came from a page that is not part of Alliance Panel, so it "
                     "was refused and nothing was changed. Open Alliance Panel again from the "
                     "patient's chart.")


def parameter_too_long(longest: int) -> str:
    return (f"A parameter of this address is too long (over {longest} characters) or there are "
            "too many of them; it was not accepted.")


def field_too_long(longest: int) -> str:
    return f"A field of this form is too long (over {longest} characters); nothing was saved."
