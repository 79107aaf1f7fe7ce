"""The session in context first: each rating of that session against this client's usual level,
the client's own words, and a plain next step where one fits. Pure: alerts and scores in.

The client's comments are shown as theirs, word for word, never summarised; every comment of
the course is also listed with its date and rater (``comments``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plugin import wording
from plugin.alliance import Alert, ScoredSession
from plugin.panel.cards import usual_level

SIGNAL_WORDS = {"drop": "lower than usual", "under-line": "under the line",
                "rupture": "still lower than usual since a drop",
                "discrepancy": "the client rated it lower than the therapist"}


@dataclass(frozen=True)
class Comment:
    day: datetime.date | None
    rater: str | None
    text: str
    encounter_id: str | None = None


@dataclass(frozen=True)
class TodayRating:
    rater: str
    score: str  # "Check-in 14 of 24, client"
    usual: str | None  # "20", the client's usual on this form
    signals: tuple[str, ...]  # what the rules saw in this rating, in words
    comment: str | None  # the rater's own words, as typed


@dataclass(frozen=True)
class Today:
    ratings: tuple[TodayRating, ...]
    steps: tuple[str, ...]  # plain next steps ("talk about it before the client leaves")


def _step(alert: Alert, now: bool) -> str | None:
    when = "before the client leaves" if now else "at the next session"
    if alert.kind == "under-line":
        line = wording.number(alert.values.get("threshold"), alert.instrument)
        if "project default" in alert.source:
            return f"Under the line of {line} (a project default): worth asking about {when}."
        return f"Under {line}: talk about it with the client {when}."
    if alert.kind == "drop" and alert.scale == "total":
        return f"Lower than this client's usual: ask how the session felt {when}."
    if alert.kind == "discrepancy":
        return f"The client rated it lower than the therapist: ask what they saw, {when}."
    return None


def today_of(current: str | None, day: datetime.date | None, today: datetime.date,
             scored: Sequence[ScoredSession], alerts: Iterable[Alert],
             comments: Sequence[Comment]) -> Today:
    """What the session in context shows first (nothing when no session is in context)."""
    if current is None:
        return Today((), ())
    mine = [a for a in alerts if a.encounter_id == current and a.level in ("prompt", "alert")]
    ratings = []
    for s in sorted((s for s in scored if s.encounter_id == current),
                    key=lambda s: wording.RATER_ORDER.index(s.rater)
                    if s.rater in wording.RATER_ORDER else 9):
        usual = usual_level(scored, s)
        signals = tuple(dict.fromkeys(
            SIGNAL_WORDS[a.kind] for a in mine if a.kind in SIGNAL_WORDS
            and a.rater in (s.rater, None) and (a.scale in ("total", None))))
        said = next((c.text for c in comments if c.encounter_id == current
                     and c.rater == s.rater), None)
        ratings.append(TodayRating(
            s.rater, wording.score(s.score.total.sum, s.score.instrument_url,
                                   s.score.total.maximum, s.rater),
            wording.number(usual, s.score.instrument_url) if usual is not None else None,
            signals, said))
    steps = tuple(dict.fromkeys(step for a in mine
                                if a.rater in ("client", None)
                                and (step := _step(a, day == today)) is not None))
    return Today(tuple(ratings), steps)
