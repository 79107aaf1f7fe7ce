"""The inputs and outputs of trend analysis, and the settings every rule's windows live in.

Two strengths of signal (docs/clinical-safety.md):
- a **prompt** ("worth asking about today") is cheap to be wrong about and sensitive: a score
  under the instrument's line, or a drop from this client's usual level of a size a clinician
  would notice;
- an **alert** is rarer and specific: a drop not back to usual at the next rating (a rupture
  not yet repaired), low for several ratings in a row, a slide over several sessions, client
  and therapist apart over several paired sessions, the client's absences;
- **news** is a score back near the usual level after a drop: good news, shown where it happens.

Sizes are data with sources (``fhir_profiles/norms/``: each scale's ``drop`` and ``cutoff``);
what is here are the rules' windows and fractions, all project defaults set on the training
seeds of ``benchmarks/alert_accuracy.py`` and reported on others:

- ``baseline_window`` / ``baseline_min_sessions``: the usual level is the median of up to this
  many earlier ratings (at least the minimum), leaving out ratings inside an open drop.
- ``repair_fraction``: back within this fraction of the scale's noticeable drop of the usual
  level is "back near usual"; ``rupture_fraction``: a later rating still this fraction of the
  drop under the usual makes the drop a rupture not yet repaired, which closes after
  ``repair_ratings`` ratings in a row back near usual.
- ``low_run``: this many ratings in a row under the line make a low-alliance alert.
- ``trend_window`` / ``trend_fraction``: a least-squares decline over the window of at least this
  fraction of the noticeable drop, with the latest ratings that much under the window's first.
- ``apart_run``, ``client_lower_fraction``, ``therapist_lower_fraction``: paired forms only;
  the client lower than the therapist in this many paired sessions in a row by this fraction
  of the noticeable drop, or the therapist lower by the other fraction on average.
- ``gap_factor``: a stretch with nothing booked longer than this many times the client's usual
  interval is a gap; ``recent_days``: absences older than this are history.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from plugin.alliance.scoring import Score
from plugin.alliance.vocabulary import Rater

AlertKind = Literal["drop", "under-line", "rupture", "repair", "low-alliance", "falling-trend",
                    "discrepancy", "attendance"]
Level = Literal["prompt", "alert", "news"]
VisitStatus = Literal["attended", "cancelled", "no-show", "booked"]
CancelledBy = Literal["client", "clinic"]


@dataclass(frozen=True)
class Cancellation:
    """Who cancelled (``None``: not said) and why, in a clinician's words (``None``: ordinary);
    read from an Appointment's cancelationReason (``attendance.cancellation``)."""

    by: CancelledBy | None
    why: str | None = None
    absence: bool = True  # the client's absence (only when ``by`` is the client)
    unhappy: bool = False  # the client cancelled as unhappy with or changing provider


@dataclass(frozen=True)
class ScoredSession:
    """One rated session: the encounter, its date, who rated it and the score."""

    encounter_id: str
    date: datetime.date
    rater: Rater
    score: Score


@dataclass(frozen=True)
class Visit:
    """One booked session and what became of it (``booked``: still ahead); for a cancellation,
    who cancelled it (``None``: the record does not say, and it is not counted as the client's
    absence) and the reason read from its code (``reason``)."""

    id: str
    date: datetime.date
    status: VisitStatus
    cancelled_by: CancelledBy | None = None
    reason: Cancellation | None = None


@dataclass(frozen=True)
class Alert:
    """Something a clinician should look at: what was observed (``reason``), the rule that saw
    it and the sources of every threshold and claim it uses (``source``, for a "why" view)."""

    kind: AlertKind
    encounter_id: str | None
    date: datetime.date
    rule: str
    reason: str
    scale: str | None = None
    rater: Rater | None = None
    values: Mapping[str, float] = field(default_factory=dict)
    source: str = ""
    instrument: str | None = None
    session_number: int | None = None
    open: bool = True  # until the data shows otherwise; an absence or gap while recent
    good_news: bool = False  # a repair
    prorated: bool = False  # the score behind it was prorated from some missing items
    resolved_on: datetime.date | None = None  # the rating that showed it over
    level: Level = "alert"


@dataclass(frozen=True)
class AlertSettings:
    """The rules' windows and fractions (module docstring: what each means and why)."""

    baseline_window: int = 8
    baseline_min_sessions: int = 2
    repair_fraction: float = 0.5
    rupture_fraction: float = 1.0
    repair_ratings: int = 2
    low_run: int = 4
    trend_window: int = 8
    trend_fraction: float = 1.25
    apart_run: int = 4
    client_lower_fraction: float = 0.75
    therapist_lower_fraction: float = 1.25
    gap_factor: float = 2.5
    gap_days_without_rhythm: int = 21
    rhythm_min_intervals: int = 3
    recent_days: int = 42


def spoken_day(value: datetime.date) -> str:
    """One date format in every alert, as on the pages (plugin/wording: day): 3 Nov 2026."""
    return f"{value.day} {value:%b %Y}"
