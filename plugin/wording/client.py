"""The client's own pages (their patient portal, a link on their phone, the last page after
sending) and the clinician's words about them: links made for the client, how a client's
answers came.

The templates (plugin/web/templates/client/) receive this module as ``client_words`` and hold
only the markup around these words (titles, headings and buttons included). Where a sentence
names a form shown in bold, it is given as the words before and after the name (a pair of
strings, each with its own spaces: the template puts the name between them).
"""

from __future__ import annotations

from plugin.wording.pages import titled

# -- how a client's answers came (the clinician's panel) -----------------------------------------
CHANNEL_WORDS = {
    "link": "on their own phone, with a link",
    "portal": "on their own device, from their patient portal",
    "handoff": "on your device, handed over in the session",
    "paper": "on a paper form, typed in",
}
CHANNEL_UNKNOWN = "how is not recorded (saved before this was kept)"


def channel(name: str | None) -> str:
    return CHANNEL_WORDS.get(name or "", CHANNEL_UNKNOWN)


UNKNOWN_FORM = "A form this app does not know"
OWN_ANSWERS_HEADING = "The client's own answers for this session"
NO_ANSWERS_YET = "No answers from the client for this session yet."


def answer_line(form: str | None, when: str, how: str | None, not_counted: str | None) -> str:
    """One of the client's answers: the form (None: one this app does not know), when, how it
    came, and its status when it does not count."""
    status = f" ({not_counted}, not counted)" if not_counted else ""
    return f"{form or UNKNOWN_FORM}: answered {when}, {channel(how)}{status}."


LINKS_SENT_HEADING = "Links sent to the client"


def link_line(form: str, made: str) -> str:
    """Before a link's state (plugin/wording/client.py: link_state)."""
    return f"{form}, made {made}:"

# -- links for the client's own phone (the clinician's pages) ------------------------------------
NO_LAUNCH = "No launch."
LINKS_NEED_SESSION = "Links need a session: open Alliance Panel from the session in the chart."
LINKS_OFF = ("Links for the client's own phone are off for this EHR: a link cannot hold your "
             "sign-in, and Alliance Panel has no access of its own to where the records are "
             "kept (a companion record store with SMART backend services). Your IT team can set "
             "one up (docs/clients.md).")
QR_TITLE = "QR code of the client's link"


def not_for_client(title: str, *, handed: bool) -> str:
    """A form that has no wording for a client (a licensed paper form)."""
    how = "handed to" if handed else "sent to"
    return (f"{title} cannot be {how} the client: it is not a client form with wording (enter a "
            "completed paper form instead).")


def link_opens(when: str, hours: str) -> tuple[str, str]:
    """Around the form's name: what the new link opens, and until when."""
    return ("Send this link to the client with the clinic's own messaging, or let them scan the "
            "code. It opens ", f" for this session only, works once, and stops working on {when} "
            f"UTC ({hours} hours from now). Alliance Panel sends nothing itself.")


LINK_TITLE = titled("A link for the client")
LINK_HEADING = "A link for the client's own phone"
LINK_LABEL = "The link (copy it now: it is shown only this once)"
LINK_AS_QR = "The same link as a QR code."
CLIENT_SEES = ("The client sees only these questions, in plain words, and a thank-you when their "
               "answers are stored; never scores, alerts or your notes. Their answers appear in "
               "the panel for this session.")


def link_waiting(until: str) -> tuple[str, str]:
    return ("A link is waiting for the client's answers to ", f": it works until {until} UTC. "
            "The link itself was shown once, when it was made, and cannot be shown again.")


def link_used(at: str) -> tuple[str, str]:
    return "The client answered ", f" with the link {at} UTC."


def no_link_waiting(expired: str | None) -> tuple[str, str]:
    last = f": the last one expired unused {expired} UTC" if expired else ""
    return "No link is waiting for ", f" for this session{last}."


def link_state(state: str, used: str, expires: str, saved: bool) -> tuple[str, str]:
    """A link sent to the client: its state (shown in bold) and what followed."""
    if state == "used":
        return "used", f": answered with the link {used}" + ("" if saved else
                                                              " (waiting to be stored)")
    if state == "replaced":
        return "replaced", f" by a newer link {used}, unused"
    if state == "expired":
        return "expired", f" unused {expires}"
    return "waiting", f" for the client's answers (works until {expires})"


NEW_LINK = "Make a new link"
NEW_LINK_REPLACES = "Make a new link (the waiting one stops working)"

# -- the client's own pages ------------------------------------------------------------------------
def session_words(day: str | None) -> str:
    """The session a client's page asks about, in their words: they answer before or after it."""
    return f"your session on {day}" if day else "your recent session"


THANK_YOU = "Thank you"
QUESTIONS_CLOSED = "Questions closed"


def closed_title(sent: bool) -> str:
    """The title of the client's page once their questions are over."""
    return f"{THANK_YOU if sent else QUESTIONS_CLOSED} · Questions about your session"


ALREADY_ANSWERED = "Already answered"
NOT_AVAILABLE = "Not available just now"
LINK_NO_LONGER_WORKS = "This link no longer works"
SAVED_FOR_THERAPIST = "Your answers have been saved for your therapist."
KEPT_FOR_THERAPIST = "Your answers are kept safely and will reach your therapist shortly."
CLOSE_NOW = "You can close this page now."
MORE_WAITING = "See if any other questions are waiting for you"
ALREADY_IN = ("Your answers for this session are already in, so there is nothing else to do. "
              "You can close this page.")
UNAVAILABLE = ("These questions cannot be answered at the moment. Please ask your clinic for a "
               "new link.")
LINK_SPENT = ("Each link works once and for a limited time. If you still want to answer, please "
              "ask your clinic for a new link.")
NO_SESSION = ("There is no session to answer questions about at the moment. Your therapist may "
              "ask you again before or after your next session.")


def portal_title(session: str | None) -> str:
    return f"Questions about {session or 'your sessions'}"


NO_QUESTIONS = "No questions just now"
NOTHING_TO_ANSWER = "Nothing to answer"


def few_questions(session: str) -> str:
    return f"A few questions about {session}"


def start_questions(number: int, forms: int, form: str) -> str:
    """The button to one of the forms waiting (``form``: its short name)."""
    if forms == 1:
        return "Start the questions"
    return f"Start the questions ({number} of {forms}: {form})"


PORTAL_INTRO = ("Your answers help your therapist and you talk about how the sessions are going. "
                "They go to your therapist only.")


def answers_in(session: str) -> str:
    return (f"Your answers for {session} are already in, so there is nothing else to do. You "
            "can close this page.")
