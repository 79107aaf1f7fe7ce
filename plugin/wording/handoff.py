"""The hand-off pages' longer sentences: the clinician's lock page and the client's last page.

The templates (plugin/web/templates/record/handoff_*.html) receive this module as
``handoff_words`` and keep the markup around these sentences.
"""

from __future__ import annotations

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
