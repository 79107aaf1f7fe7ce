"""The inputs and outputs of trend analysis, and the settings every alert threshold lives in.

Norm values (SDs, test-retest reliabilities, cut-offs) are not here: they are data with their
sources in ``fhir_profiles/norms/`` (see ``norms.py``). What is here are the rules' own
multipliers and windows. Each was set by the measured false-alarm and hit rates of
``benchmarks/alert_accuracy.py`` (the README there has the table); all are project defaults:

- ``rupture_rc``: a drop from the usual level larger than this many reliable-change criteria
  (RC of Jacobson & Truax 1991, with test-retest r) is a rupture.
- ``low_window`` / ``low_z``: the mean of the last scores under the cut-off by more than this
  many standard errors is a low alliance (the chart shows every single score under the line);
  in the first ``early_sessions`` of the course an early low alliance, its finding cited.
- ``subscale_rupture_rc``: the same rupture rule on goals, tasks and bond (fewer items, so
  noisier: a stricter multiple keeps false alarms down).
- ``trend_window`` / ``trend_rc``: a least-squares decline over the window of at least this many
  RCs is a drift below the client's usual.
- ``discrepancy_rc``: client and therapist (paired forms only) this many RCs of a difference
  apart, after allowing for the usual rater gap in the therapist-lower direction.
- ``gap_factor``: a stretch with no session scheduled, longer than this many times the
  client's own usual interval, is a gap; ``recent_days``: alerts older than this are history.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from plugin.alliance.scoring import Score
from plugin.alliance.vocabulary import Rater

AlertKind = Literal["rupture", "repair", "low-alliance", "early-low-alliance", "falling-trend",
                    "discrepancy", "attendance"]
VisitStatus = Literal["attended", "cancelled", "no-show"]
CancelledBy = Literal["client", "clinic"]


@dataclass(frozen=True)
class ScoredSession:
    """One rated session: the encounter, its date, who rated it and the score."""

    encounter_id: str
    date: datetime.date
    rater: Rater
    score: Score


@dataclass(frozen=True)
class Visit:
    """One scheduled session and what became of it; for a cancellation, who cancelled it
    (``None``: the record does not say, and it is not counted as the client's absence)."""

    id: str
    date: datetime.date
    status: VisitStatus
    cancelled_by: CancelledBy | None = None


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
    open: bool = True  # a rupture until repaired; an absence or gap while recent
    good_news: bool = False  # a repair
    prorated: bool = False  # the score behind it was prorated from some missing items
    resolved_on: datetime.date | None = None  # a rupture: the session of its repair


@dataclass(frozen=True)
class AlertSettings:
    """The rules' multipliers and windows (module docstring: what each means and why)."""

    rupture_rc: float = 1.3
    subscale_rupture_rc: float = 2.0
    baseline_window: int = 5
    baseline_min_sessions: int = 3
    repair_fraction_of_criterion: float = 0.5
    variability_min_sessions: int = 5
    variability_sd: float = 3.0
    low_window: int = 3
    low_z: float = 2.0
    early_sessions: int = 3
    trend_window: int = 8
    trend_rc: float = 1.2
    discrepancy_rc: float = 1.5
    gap_factor: float = 2.5
    gap_days_without_rhythm: int = 21
    rhythm_min_intervals: int = 3
    recent_days: int = 42


def spoken_day(value: datetime.date) -> str:
    """One date format in every alert, as on the pages (plugin/panel/wording.day): 3 Nov 2026."""
    return f"{value.day} {value:%b %Y}"
