"""The app's other pages: the address's own page, signing in, a panel that cannot be shown, and
the error page's way out; the product's name, the pages' titles and the labels every page uses.

The templates receive this module as ``page_words`` and hold only the markup around these
words. Where a sentence names something shown in bold or as a link, it is given as the
words before and after it (a pair of strings, each with its own spaces).
"""

from __future__ import annotations

PRODUCT = "Alliance Panel"


def titled(what: str) -> str:
    """A page's title in the browser's tab: what the page is, then the product."""
    return f"{what} · {PRODUCT}"


# -- labels every page may use -----------------------------------------------------------------
IT_DETAILS = "Details for your IT team"
BACK_TO_PANEL = "Back to the panel"
SCOPES_NOT_GRANTED = "Permissions (SMART scopes) not granted:"

# -- the address's own page (index) ------------------------------------------------------------
WHAT_IT_IS = ("Alliance Panel shows how the therapeutic alliance (agreement on goals and tasks, "
              "and the bond between client and therapist) develops across a client's sessions, "
              "beside the electronic health record, and records it after a session.")
HOW_TO_OPEN = ("It opens from a patient's chart in the electronic health record (EHR), not from "
               "this address: in the chart, choose ", ". The EHR then starts the app for that "
               "patient and session and signs you in.")
REGISTER = "Register the app with the EHR's authorization server as a SMART on FHIR app with"
HOW_TO_OPEN_HEADING = "How to open it"
FOR_ADMINISTRATOR = "For the EHR administrator"
LAUNCH_URL = "Launch URL"
REDIRECT_URL = "Redirect URL"


def version_line(version: str) -> tuple[str, str]:
    """Around the health check's address (shown as a link)."""
    return f"Version {version}. Health check: ", "."


# -- signing in (the pages that carry the sign-in where the app's cookie is blocked) ------------
SIGNING_IN_TITLE = titled("Signing in")
SIGNING_IN = "Signing in with the EHR…"
FINISHING = "Finishing the sign-in…"
KEEP_NEEDS_SCRIPT = ("This browser blocks the app's cookie here, so the app needs JavaScript to "
                     "keep the sign-in in this window. Turn JavaScript on, or open the app in a "
                     "browser that keeps its cookie.")
FINISH_NEEDS_SCRIPT = ("This browser blocks the app's cookie here, so the app needs JavaScript "
                       "to finish the sign-in in this window.")
OTHER_BROWSER = ("This sign-in was started in another browser or window, so it cannot be "
                 "finished here. Open Alliance Panel again from the patient's chart.")

# -- a sign-in of the wrong kind of user -----------------------------------------------------------
FOR_CLINICIANS = ("Alliance Panel's panel is for clinicians: this sign-in is a patient's (or a "
                  "patient's relative's), so the panel does not open. A client answers from "
                  "their patient portal or with the link their clinic sends.")
FOR_CLIENTS = ("These pages are for a client answering from their patient portal: this sign-in "
               "is not a patient's, so they do not open. Open Alliance Panel from the chart.")

# -- a panel that cannot be shown --------------------------------------------------------------
CANNOT_SHOW = "The panel cannot be shown"
NO_PATIENT = ("The EHR did not say which patient is open. Open Alliance Panel from a patient's "
              "chart.")
NOT_ALLOWED_TO_READ = ("The EHR did not let Alliance Panel read what it needs (the patient and "
                       "their sessions). Ask the EHR administrator to allow it for Alliance "
                       "Panel, then open it again from the chart.")

# -- the error page ------------------------------------------------------------------------------
OPEN_AGAIN = "To go on, open Alliance Panel again from the patient's chart in the EHR."

# -- a launch that cannot go on (plugin/launch's refusals, shown on the error page; a refusal
# whose code has a sentence in error_pages.BY_CODE keeps its technical text beside its code) ---
SIGN_IN_SPENT = ("This sign-in has expired or was already used. Open Alliance Panel again from "
                 "the patient's chart.")
STARTED_ELSEWHERE = ("This sign-in was started in another browser (or its page was closed), so "
                     "it cannot be finished here. Open Alliance Panel again from the patient's "
                     "chart.")
SIGN_IN_ENDED = ("Alliance Panel's sign-in with the EHR has ended. Open it again from the "
                 "patient's chart.")
OTHER_BROWSERS_PAGE = ("This Alliance Panel page belongs to another browser. Open Alliance Panel "
                       "again from the patient's chart.")
RENEWING = "Another request is renewing this launch; try again in a moment."
TOO_OFTEN_FROM_CLINIC = (
    "Alliance Panel was opened more often from your clinic's computers in the last ten minutes "
    "than it allows, so it is not opening just now. Nothing is lost. Wait a few minutes, then "
    "open it again from the patient's chart. If this happens again, tell your IT team: the "
    "limit may need raising for your clinic.")
TOO_OFTEN_FROM_BROWSER = (
    "Alliance Panel was opened many times from this browser in the last few minutes, so it is "
    "pausing here for a while. Nothing is lost. Wait a few minutes, then open it again from the "
    "patient's chart. If this happens again, tell your IT team: something may be opening it "
    "over and over.")
TOO_OFTEN = ("Alliance Panel is being opened very often right now, so it is not opening for a "
             "few minutes. Nothing is lost. Wait a few minutes, then open it again from the "
             "patient's chart. If this happens again, tell your IT team.")
