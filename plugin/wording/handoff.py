"""The hand-off pages' words: the clinician's lock page and the client's last page, their
titles, headings and buttons.

The templates (plugin/web/templates/record/handoff_*.html) receive this module as
``handoff_words`` and hold only the markup around these words.
"""

from __future__ import annotations

from plugin.wording.client import QUESTIONS_CLOSED, THANK_YOU
from plugin.wording.pages import titled
from plugin.wording.record import client_form_title

_ABOUT_TODAY = client_form_title(None)

REMEMBER_CODE = ("Remember this unlock code. You will need it to return to the panel after the "
                 "client has answered; it disappears as soon as the client opens the questions.")
REOPENED_SO_CLOSED = ("Alliance Panel was opened again from the chart for this session, so the "
                      "questions handed to the client were closed before the client sent them: "
                      "nothing the client typed was saved. Enter your unlock code to return to "
                      "this panel, or carry on in the one you opened.")
CLOSED_BEFORE_SENT = ("Your therapist closed these questions before your answers were sent, so "
                      "nothing you typed here was saved. Please hand the device back to your "
                      "therapist.")


def client_sent(stored: bool, *, own_window: bool) -> str:
    """The client's last words after sending: stored now, or kept and sent shortly."""
    done = ("Your answers have been saved." if stored else
            "Your answers are kept safely and will be added to your record shortly.")
    close = "; this window can be closed." if own_window else "."
    return f"{done} Please hand the device back to your therapist{close}"


# -- the clinician's lock page -------------------------------------------------------------------
LOCK_TITLE = titled("Hand over to the client")
SENT_TITLE = f"{THANK_YOU} · {_ABOUT_TODAY}"
WITH_CLIENT_TITLE = f"With the client · {_ABOUT_TODAY}"
BEFORE_HANDING_OVER = "Before you hand the device over"
CODE_SHOWN_LABEL = "Unlock code"
SHOW_HERE = "Show them here"
LOCKED = "This hand-off is locked"
CLIENTS_CLOSED = "The client's questions were closed"
CLIENT_HAS_THEM = "The client has the questions"
UNLOCK = "Unlock"
# Around the form's name (shown emphasised): what the client will see.
CLIENT_SEES_ONLY = ("The client will see only the questions of ",
                    ": no names, no scores, no other sessions.")
FULL_WINDOW = "Open the questions in a full window"
CHART_STAYS_VISIBLE = ("Inside the EHR the chart around this panel stays visible: open a full "
                       "window (and switch to it) so the client sees only the questions. This "
                       "page hides the code as soon as the client opens them (reload it if it "
                       "does not).")
TOO_MANY_WRONG_CODES = ("Too many wrong codes were entered. Clinician: open Alliance Panel again "
                        "from the patient's chart.")
ENTER_CODE = "Clinician: enter your unlock code to return to the panel."
WITH_THE_CLIENT = ("The questions are open in the client's window, and the unlock code is no "
                   "longer shown. When the client has sent their answers and handed the device "
                   "back, close their window and enter your unlock code here to return to the "
                   "panel.")
WRONG_CODE = "That code is not right. Try again."
CODE_LABEL = "For the clinician: unlock code"

# -- the client's page after the questions closed ------------------------------------------------
def closed_title(sent: bool) -> str:
    return f"{THANK_YOU if sent else QUESTIONS_CLOSED} · {_ABOUT_TODAY}"


WERE_CLOSED = "These questions were closed"
ARE_CLOSED = "These questions are closed"
SENT_OR_ENDED = ("This questionnaire has been sent or ended. Please hand the device back to your "
                 "therapist.")
