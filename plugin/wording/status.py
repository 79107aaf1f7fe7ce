"""What the panel says first: the cards' headings, the state line, the session in context and
its one next step, the chart's description, and the panel's notes.

plugin/panel decides what is shown (which cards, which facts, in which order); this module only
says it. Days and scores arrive already written (plugin/wording/formats.py).
"""

from __future__ import annotations

from collections.abc import Sequence

# -- the cards: heading per situation ------------------------------------------------------------
HEADINGS = {
    "rupture": "Rupture, not back to usual",
    "attendance-unhappy": "Cancelled as unhappy with the provider",
    "low-alliance": "Low for several ratings",
    "falling-trend": "Sliding down",
    "discrepancy": "Client and therapist apart",
    "attendance": "Missed sessions",
    "attendance-gap": "Long gap between sessions",
    "drop": "Lower than usual today",
    "under-line": "Under the line",
    "discrepancy-today": "Client rated it lower than the therapist",
    "repair": "Good news: back near usual",
}
RUPTURE_BACK = "Rupture, since back near usual"
RUPTURE_SLIDING = "Rupture, sliding down"

# An open card in the state line ("Open: rupture since 3 Nov 2026 (client)").
STATUS_WORDS = {"rupture": "rupture", "low-alliance": "low", "falling-trend": "sliding down",
                "discrepancy": "raters apart",
                "attendance-unhappy": "cancelled as unhappy", "attendance-gap": "a long gap"}

# Absences, in the session list's own words.
ABSENCE_WORDS = {"client-cancelled": "Cancelled by the client", "no-show": "Did not attend"}
ABSENCES_MIXED = "Cancelled by the client or did not attend"


def sessions_missed(count: int, since: str, latest: str) -> str:
    return f"{count} sessions missed since {since}, the latest on {latest}."


# -- the state line: facts, one short sentence each ----------------------------------------------
NOTHING_RECORDED = "No alliance rating recorded yet."


def with_usual(score: str, usual: str) -> str:
    return f"{score} (usual {usual})"


def latest(day: str, parts: Sequence[str]) -> str:
    return f"Latest ratings, {day}: " + "; ".join(parts) + "."


def worth_asking(items: Sequence[str]) -> str:
    return "Worth asking about today: " + "; ".join(items) + "."


def still_open(items: Sequence[str]) -> str:
    return "Open: " + "; ".join(items) + "."


def open_since(words: str, since: str, who: str) -> str:
    return f"{words} since {since}{who}"


def absent_once(words: str, day: str) -> str:
    return f"{words} on {day}"


def absent_times(words: str, count: int, since: str) -> str:
    return f"{words}, {count} times since {since}"


def raters(names: Sequence[str]) -> str:
    """' (client and therapist)', or nothing."""
    who = " and ".join(names)
    return f" ({who})" if who else ""


def back_near_usual(day: str, who: str) -> str:
    return f"Back near usual on {day}{who}."


def missing(rater: str, gaps: int, recent: int) -> str:
    if gaps == recent:
        return f"No {rater} rating in the last {recent} sessions."
    return f"No {rater} rating in {gaps} of the last {recent} sessions."


def not_yet(rater: str) -> str:
    return f"This session: no {rater} rating yet."


# -- the session in context and its one next step ------------------------------------------------
SIGNAL_WORDS = {"drop": "lower than usual", "under-line": "under the line",
                "rupture": "still lower than usual since a drop",
                "discrepancy": "the client rated it lower than the therapist"}
LOWER_THAN_USUAL = "lower than this client's usual"
CLIENT_LOWER = "rated lower by the client than by the therapist"


def under_line(line: str, *, published: bool) -> str:
    """The line keeps its source: a published cut-off, or a project default."""
    if published:
        return f"under {line}, the published cut-off"
    return f"under the line of {line} (a project default)"


def next_step(reasons: Sequence[str], *, firm: bool, now: bool) -> str:
    """The reasons in words, then what to do and when."""
    said = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
    when = "before the client leaves" if now else "at the next session"
    action = "talk about it with the client" if firm else "ask how the session felt"
    return f"{said[0].upper()}{said[1:]}: {action} {when}."


# -- the chart's description (its text alternative) ----------------------------------------------
def chart_line(rater: str, count: int, first: str, first_day: str, last: str, last_day: str,
               prorated: int) -> str:
    return (f"{rater}: {count} ratings, from {first} on {first_day} to {last} on {last_day}"
            + (f", {prorated} prorated from missing items" if prorated else ""))


def chart_description(title: str, lines: Sequence[str], *, missed: int,
                      lows: tuple[str, str | None] | None, published: bool,
                      usual: str | None, monthly: bool) -> str:
    """``lows``: the low line (the client's, then the therapist's when they differ)."""
    extra = f"; {missed} missed sessions" if missed else ""
    if lows and lows[1] is not None:
        extra += f"; the low lines are at {lows[0]} (client) and {lows[1]} (therapist)"
    elif lows:
        extra += f"; the low line is at {lows[0]}"
    if lows:
        extra += (", a published cut-off" if published else
                  ", set by the project (not a published cut-off)")
    if usual is not None:
        extra += f"; the shaded band is the client's usual range, {usual}"
    if monthly:
        extra += "; one point a month, the mean of that month's ratings"
    return f"{title}. " + "; ".join(lines) + extra + "."


# -- the panel's notes ---------------------------------------------------------------------------
def same_since(count: int, since: str) -> str:
    return f"The same in each of the last {count} rated sessions, since {since}."


NO_APPOINTMENTS = ("Missed appointments are not shown: the EHR did not let Alliance Panel read "
                   "the appointments.")
UNKNOWN_QUESTIONNAIRE = "Its questionnaire is not one this app knows."


def not_scored(count: int) -> str:
    return (f"{count} stored response(s) could not be scored and are left out of the trend; "
            "open them from the list below.")
