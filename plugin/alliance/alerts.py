"""The inputs and outputs of trend analysis, and the settings every alert threshold lives in.

Threshold sources (also in plugin/alliance/README.md):

- Reliable change: Jacobson N.S. & Truax P. (1991), J Consult Clin Psychol 59(1):12-19:
  RCI = 1.96 * SD * sqrt(2) * sqrt(1 - r), with SD and r from the instrument definition.
- Own variability (used when the instrument has no reliability/SD): a drop of more than
  ``variability_sd`` (2) standard deviations of the patient's own prior scores, after at least
  ``variability_min_sessions`` (5) of them; a control-chart convention, project default.
- Ruptures and repair: Eubanks C.F., Muran J.C. & Safran J.D. (2018), Psychotherapy 55(4).
- Low alliance: the instrument's ``lowThreshold`` (SRS: 36, Duncan et al. 2003 / PCOMS), else
  ``low_thresholds`` here, keyed by instrument url.
- Early alliance: low in the first three sessions, a known dropout risk (Sharf, Primavera &
  Diener 2010, Psychotherapy 47(4)); the window of three is a project default.
- Falling trend, discrepancy margin and attendance gap: project defaults, not normed.
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


@dataclass(frozen=True)
class ScoredSession:
    """One rated session: the encounter, its date, who rated it and the score."""

    encounter_id: str
    date: datetime.date
    rater: Rater
    score: Score


@dataclass(frozen=True)
class Visit:
    """One scheduled session from the Encounters/Appointments and what became of it."""

    id: str
    date: datetime.date
    status: VisitStatus


@dataclass(frozen=True)
class Alert:
    """Something a clinician should look at, with its numbers and a one-line plain reason."""

    kind: AlertKind
    encounter_id: str | None
    date: datetime.date
    rule: str
    reason: str
    scale: str | None = None
    rater: Rater | None = None
    values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSettings:
    """Every threshold of the trend rules; defaults documented in the module docstring."""

    rci_z: float = 1.96
    baseline_window: int = 5
    baseline_min_sessions: int = 2
    variability_min_sessions: int = 5
    variability_sd: float = 2.0
    repair_fraction_of_drop_rule: float = 0.5
    low_thresholds: Mapping[str, float] = field(default_factory=dict)
    early_sessions: int = 3
    trend_window: int = 5
    trend_min_decline_fraction: float = 0.15
    discrepancy_margin_fraction: float = 0.2
    gap_days: int = 21
