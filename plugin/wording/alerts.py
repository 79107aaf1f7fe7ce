"""The alert rules' words: each alert's reason (what was observed, numbers labelled) and its
source (the citation or "project default" behind each threshold), and why a session was
cancelled.

plugin/alliance decides when an alert is raised and with which numbers; this module only says
it. Every number arrives already written (a day, "31 of 40", "4 points (project default)").
"""

from __future__ import annotations


# -- the numbers a reason is made of ----------------------------------------------------------
def out_of(value: str, maximum: str, prorated: tuple[int, int] | None) -> str:
    """'31 of 40', with the proration said (items answered, of how many) when there was one."""
    text = f"{value} of {maximum}"
    if prorated is not None:
        text += f" (prorated: {prorated[0]} of {prorated[1]} items answered)"
    return text


def points(size: str, *, project_default: bool) -> str:
    """'4 points (project default)': a size, labelled where it is not from a source."""
    return f"{size} points (project default)" if project_default else f"{size} points"


def line(value: str, *, project_default: bool) -> str:
    """'the published cut-off of 36' or 'the line of 18 (project default)'."""
    if project_default:
        return f"the line of {value} (project default)"
    return f"the published cut-off of {value}"


def caveat(label: str, note: str) -> str:
    """The sentence an unvalidated tool's score is never shown without."""
    return f" The {label} is {note}."


# -- attendance ---------------------------------------------------------------------------------
GAP_SOURCE = ("gap longer than {k:g} times this client's usual interval between booked "
              "sessions (median of the last 8; project default)")
ABSENCE_SOURCE = "a no-show or a session the client cancelled (project default: one signal each)"

# Why a session was cancelled, by code of HL7's appointment-cancellation-reason code system.
CANCELLATION_WHY = {
    "pat-crs": "cancelled through the reminder system",
    "pat-cpp": "cancelled through the patient portal",
    "pat-dec": "the record says the client has died",
    "pat-fb": "feeling better",
    "pat-lt": "no transport",
    "pat-mt": "their cover ended",
    "pat-mv": "moved away",
    "pat-preg": "pregnancy",
    "pat-swl": "rebooked from the waiting list",
    "pat-ucp": "unhappy with or changing provider",
    "prov-pers": "the clinician's personal reasons",
    "prov-dch": "the client was discharged",
    "prov-edu": "the clinician was at training or a meeting",
    "prov-hosp": "the clinician was in hospital",
    "prov-labs": "test results out of range",
    "prov-mri": "a screening form said not to proceed",
    "prov-onc": "a change of treatment plan",
    "maint": "equipment maintenance",
    "meds-inc": "preparation or medication incomplete",
    "oth-cms": "the service was not authorised",
    "oth-err": "booked in error",
    "oth-fin": "financial reasons",
    "oth-iv": "improper IV access",
    "oth-int": "no interpreter was available",
    "oth-mu": "preparation or results unavailable",
    "oth-room": "a room or resource was unavailable",
    "oth-oerr": "a scheduling error",
    "oth-swie": "a walk-in recorded in error",
    "oth-weath": "the weather",
}


def no_show(day: str) -> str:
    return f"The client did not come on {day}."


def cancelled_unhappy(day: str, why: str | None) -> str:
    return f"The client cancelled the session of {day}, giving as the reason: {why}."


def cancelled(day: str, why: str | None) -> str:
    said = f" ({why})" if why else ""
    return f"The client cancelled the session of {day}{said}."


def cancellation_source(system: str) -> str:
    return f"cancellation reason code ({system})"


def gap(days: int, rhythm: float | None, without_rhythm: int, *, to_today: bool,
        up_to: str) -> str:
    """A stretch with nothing booked: how long, against the client's usual rhythm."""
    usual = (f"this client's sessions are usually {rhythm:g} days apart" if rhythm is not None
             else f"more than {without_rhythm} days")
    if to_today:
        return f"Nothing has been booked since the session {days} days ago; {usual}."
    return f"{days} days passed with no session booked, up to {up_to}; {usual}."


def gap_source(factor: float, rhythm: float | None, without_rhythm: int) -> str:
    if rhythm is not None:
        return GAP_SOURCE.format(k=factor)
    return f"no usual rhythm yet: more than {without_rhythm} days (project default)"


# -- client and therapist apart -----------------------------------------------------------------
APART_SOURCE = ("clients usually rate the alliance higher than therapists: Tryon, Blackwell & "
                "Hammel 2007, Psychotherapy Research 17(6); the sizes and the run of {n} "
                "paired sessions are project defaults")


def pair_head(number: int, label: str, client: str, therapist: str) -> str:
    """'In session 7 the client rated the SRS 28 of 40 and the therapist 35 of 40'."""
    return (f"In session {number} the client rated the {label} {client} and the therapist "
            f"{therapist}")


def apart(run: int, since: str, client_lower: bool, mean: str, client: str, therapist: str,
          number: int) -> str:
    words = ("the client has rated the alliance lower than the therapist" if client_lower else
             "the therapist has rated the alliance lower than the client")
    return (f"In each of the last {run} paired sessions, since {since}, {words}, by {mean} "
            f"points on average (client {client}, therapist {therapist} in session {number}).")


def weaker_today(head: str, difference: str) -> str:
    return f"{head}: the client sees it as weaker than the therapist does, by {difference} points."


# -- under the line, low for several ratings, sliding down --------------------------------------
RUN_SOURCE = "{n} ratings in a row under the line (project default)"
TREND_SOURCE = ("least-squares line over the last {n} ratings (project default); noticeable "
                "drop: {drop}")


def under_line(what: str, score: str, number: int, line: str) -> str:
    return f"{what} was {score} in session {number}, under {line}."


def low_for_several(what: str, line: str, run: int, since: str, score: str, number: int) -> str:
    return (f"{what} has been under {line} in each of the last {run} ratings, since {since} "
            f"({score} in session {number}).")


def line_source(source: str) -> str:
    return f"line: {source}"


def low_source(source: str, run: int) -> str:
    return f"{line_source(source)}; " + RUN_SOURCE.format(n=run)


def sliding(what: str, count: int, start: str, score: str, number: int) -> str:
    return (f"{what} has slid down over the last {count} ratings, from about {start} to "
            f"{score} in session {number}.")


def sliding_source(size: str, window: int, drop_source: str) -> str:
    return (f"a fall of {size} or more is worth asking about; "
            + TREND_SOURCE.format(n=window, drop=drop_source))


# -- a drop from the usual level, a rupture, back near usual ------------------------------------
REPAIR_SOURCE = ("rupture-repair episodes and outcome: Eubanks, Muran & Safran 2018, "
                 "Psychotherapy 55(4); 'near the usual level' is a project default")


def back_near_usual(what: str, score: str, number: int, usual: str, since: str) -> str:
    return (f"{what} came back to {score} in session {number}, near the usual {usual}, after "
            f"the drop on {since}.")


def not_back(what: str, usual: str, low: str, since: str, score: str, number: int) -> str:
    return (f"{what} fell from a usual {usual} to {low} on {since}; {score} in session "
            f"{number}, not back yet.")


def drop(what: str, score: str, number: int, by: str, usual: str) -> str:
    return f"{what} was {score} in session {number}, {by} under this client's usual {usual}."


def drop_source(size: str, drop_source: str, window: int) -> str:
    return (f"a drop of {size} or more is worth asking about; noticeable drop: {drop_source}; "
            f"usual = median of up to {window} earlier ratings (project default)")
