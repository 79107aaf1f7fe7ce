"""The words and number formats every page uses, so that one thing has one name.

- One date format ("3 Nov 2026"), one moment format ("3 Nov 2026, 14:05").
- One short name per instrument and one number format per instrument: the SRS is marked on a
  10 cm line and kept to one decimal; the check-in and the WAI-SR are sums of whole answers.
- One name per subscale, one order of raters (client, then therapist).
- Every score says instrument, scale and rater: "SRS 31.6 of 40, client".
- Record statuses and session statuses in plain words.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

RATER_ORDER = ("client", "therapist")
SCALE_NAMES = {"total": "Total", "goal": "Goals", "task": "Tasks", "bond": "Bond"}


@dataclass(frozen=True)
class InstrumentName:
    short: str  # beside a number: "SRS 31.6 of 40"
    long: str  # in a heading or a list of forms
    decimals: int
    note: str = ""  # what a clinician should know about the evidence behind it


_INSTRUMENTS = {
    "alliance-checkin-client": InstrumentName(
        "Check-in", "Alliance check-in, client form", 0,
        "the project's own brief feedback tool, not a validated measure"),
    "alliance-checkin-therapist": InstrumentName(
        "Check-in", "Alliance check-in, therapist form", 0,
        "the project's own brief feedback tool, not a validated measure"),
    "srs": InstrumentName("SRS", "Session Rating Scale (SRS)", 1),
    "wai-sr-client": InstrumentName(
        "WAI-SR", "Working Alliance Inventory, short revised (WAI-SR), client form", 0),
}


def instrument_name(url_or_id: str | None) -> InstrumentName:
    """The names of an instrument from its canonical URL (with or without |version) or id."""
    key = (url_or_id or "").split("|")[0].rstrip("/").rsplit("/", 1)[-1]
    return _INSTRUMENTS.get(key) or InstrumentName("Questionnaire", "A questionnaire", 1)


def number(value: float | None, url_or_id: str | None) -> str:
    """A score in its instrument's one number format."""
    if value is None:
        return "—"
    return f"{value:.{instrument_name(url_or_id).decimals}f}"


def score(value: float | None, url_or_id: str | None, maximum: float | None,
          rater: str | None = None, scale: str = "total") -> str:
    """"SRS 31.6 of 40, client"; a subscale is named: "Check-in bond 5 of 8, therapist"."""
    name = instrument_name(url_or_id).short
    if scale != "total":
        name = f"{name} {SCALE_NAMES.get(scale, scale).lower()}"
    text = f"{name} {number(value, url_or_id)}"
    if maximum is not None:
        text += f" of {maximum:g}"
    return f"{text}, {rater}" if rater else text


def out_of(value: object, maximum: float) -> str:
    """A value on its scale: "31 of 40"."""
    return f"{value} of {maximum:g}"


def day(value: datetime.date | str | None) -> str:
    """One date format everywhere: 3 Nov 2026."""
    if isinstance(value, str):
        try:
            parsed = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
        return day(parsed)
    if value is None:
        return "date unknown"
    return f"{value.day} {value:%b %Y}"


def moment(value: str | None) -> str:
    """A FHIR instant as 3 Nov 2026, 14:05 (UTC, as stored)."""
    if not value:
        return "—"
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{day(parsed.date())}, {parsed:%H:%M}"


def raters_in_order(raters: Iterable[str]) -> list[str]:
    found = set(raters)
    return [r for r in RATER_ORDER if r in found] + sorted(found - set(RATER_ORDER))


RECORD_STATUS = {
    "completed": "recorded",
    "amended": "corrected",
    "entered-in-error": "removed: recorded by mistake",
    "in-progress": "not finished",
    "stopped": "stopped before the end",
}
SESSION_STATUS = {"no-show": "did not attend", "booked": "booked"}


def record_status(status: str | None) -> str:
    return RECORD_STATUS.get(status or "", status or "unknown")


def session_status(status: str | None) -> str:
    return SESSION_STATUS.get(status or "", status or "unknown")


def activity(code: str | None) -> str:
    """A Provenance activity in words; a code this app does not write says "changed"."""
    return {"create": "recorded", "update": "corrected", "delete": "removed",
            "nullify": "removed: recorded by mistake"}.get((code or "").lower(), "changed")


ALERT_WORDS = {"drop": "lower than usual", "under-line": "under the line",
               "rupture": "rupture", "repair": "back near usual", "low-alliance": "low for weeks",
               "falling-trend": "sliding down", "discrepancy": "raters apart",
               "attendance": "missed"}


def alert_word(kind: str) -> str:
    """An alert's kind as a flag in the sessions table."""
    return ALERT_WORDS.get(kind, kind.replace("-", " "))
