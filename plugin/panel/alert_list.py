"""The alert list a clinician reads: one item per session, kind and rater, and a condition that
persists across sessions (a low alliance, client and therapist apart) as one item that says
for how long, rather than one alert per session."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from plugin.alliance import Alert, ScoredSession
from plugin.alliance.alerts import spoken_day
from plugin.wording import status

PERSISTING = frozenset({"low-alliance", "early-low-alliance", "discrepancy"})
_SCALE_ORDER = {"total": 0, "goal": 1, "task": 2, "bond": 3}


@dataclass(frozen=True)
class AlertGroup:
    """The alerts of one kind that fired on one session for one rater, shown as one item: a
    rupture in the total and in the bond is one event for a clinician, with two reasons."""

    kind: str
    date: datetime.date
    encounter_id: str | None
    rater: str | None
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    sessions: int = 1  # for a persisting condition: in how many sessions in a row
    since: datetime.date | None = None
    sources: tuple[str, ...] = ()  # every threshold's and claim's source, for the "why" view
    open: bool = True  # a rupture not yet repaired, a recent absence
    good_news: bool = False  # a repair
    prorated: bool = False  # some score behind it was prorated from missing items


def group_alerts(alerts: Iterable[Alert]) -> list[AlertGroup]:
    """Newest first; within a group the total's reason comes before the components'."""
    groups: dict[tuple[Any, ...], list[Alert]] = {}
    for alert in alerts:
        key = (alert.date, alert.encounter_id, alert.kind, alert.rater)
        groups.setdefault(key, []).append(alert)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][2]), reverse=True)
    result = []
    for (day, encounter_id, kind, rater), members in ordered:
        members.sort(key=lambda a: _SCALE_ORDER.get(a.scale or "", 9))
        result.append(AlertGroup(
            kind, day, encounter_id, rater,
            tuple(a.reason for a in members), tuple(dict.fromkeys(a.rule for a in members)),
            sources=tuple(dict.fromkeys(a.source for a in members if a.source)),
            open=any(a.open for a in members), good_news=all(a.good_news for a in members),
            prorated=any(a.prorated for a in members),
        ))
    return result


def _series(scored: Sequence[ScoredSession], rater: str | None) -> list[str]:
    """The rated sessions, oldest first, that a condition of this rater can run across
    (both raters' sessions for a discrepancy, which has no single rater)."""
    ordered = sorted(scored, key=lambda s: (s.date, s.encounter_id))
    if rater is not None:
        return list(dict.fromkeys(s.encounter_id for s in ordered if s.rater == rater))
    client = {s.encounter_id for s in ordered if s.rater == "client"}
    return list(dict.fromkeys(s.encounter_id for s in ordered
                              if s.rater == "therapist" and s.encounter_id in client))


def fold_persisting(groups: Sequence[AlertGroup],
                    scored: Sequence[ScoredSession]) -> list[AlertGroup]:
    """Fold a persisting condition on consecutive rated sessions into its newest item."""
    kept = [g for g in groups if g.kind not in PERSISTING]
    runs: dict[tuple[str, str | None], list[AlertGroup]] = {}
    for group in sorted(groups, key=lambda g: g.date):
        if group.kind in PERSISTING:
            runs.setdefault((group.kind, group.rater), []).append(group)
    for (_, rater), members in runs.items():
        position = {encounter: i for i, encounter in enumerate(_series(scored, rater))}
        run: list[AlertGroup] = []
        for group in members:
            place = position.get(group.encounter_id or "")
            if run and place is not None and place == position.get(run[-1].encounter_id or "",
                                                                   -2) + 1:
                run.append(group)
                continue
            kept += _fold(run)
            run = [group]
        kept += _fold(run)
    return sorted(kept, key=lambda g: (g.date, g.kind), reverse=True)


def _fold(run: list[AlertGroup]) -> list[AlertGroup]:
    if len(run) < 2:
        return run
    newest, first = run[-1], run[0]
    note = status.same_since(len(run), spoken_day(first.date))
    return [replace(newest, reasons=(*newest.reasons, note), sessions=len(run),
                    since=first.date)]


def alert_list(alerts: Iterable[Alert], scored: Sequence[ScoredSession]) -> list[AlertGroup]:
    return fold_persisting(group_alerts(alerts), scored)
