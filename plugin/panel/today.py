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
from plugin.wording import status as words
from plugin.wording.status import SIGNAL_WORDS


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
    steps: tuple[str, ...]  # at most one plain next step ("... before the client leaves")


def _reason(alert: Alert) -> tuple[str, bool] | None:
    """What the alert saw, in words, and whether it is a published cut-off (a firmer step)."""
    if alert.kind == "under-line":
        line = wording.number(alert.values.get("threshold"), alert.instrument)
        published = "project default" not in alert.source
        return words.under_line(line, published=published), published
    if alert.kind == "drop" and alert.scale == "total":
        return words.LOWER_THAN_USUAL, False
    if alert.kind == "discrepancy":
        return words.CLIENT_LOWER, False
    return None


def next_step(alerts: Iterable[Alert], now: bool) -> str | None:
    """One plain next step for everything the rules saw in the client's rating of the session:
    the reasons in words, then what to do and when ("... before the client leaves")."""
    order = {"under-line": 0, "drop": 1, "discrepancy": 2}
    seen = [r for a in sorted(alerts, key=lambda a: order.get(a.kind, 9))
            if (r := _reason(a)) is not None]
    if not seen:
        return None
    reasons = list(dict.fromkeys(said for said, _ in seen))
    return words.next_step(reasons, firm=any(published for _, published in seen), now=now)


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
    step = next_step((a for a in mine if a.rater in ("client", None)), day == today)
    return Today(tuple(ratings), (step,) if step else ())
