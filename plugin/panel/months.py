"""A long course summarised by month for its chart: per rater and instrument, one rating a
month whose every scale is the mean of that month's ratings (prorated marks dropped: a mean is
not one form). Pure."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Sequence
from dataclasses import replace

from plugin.alliance import ScaleScore, ScoredSession
from plugin.alliance.vocabulary import Rater


def _mean(scores: Sequence[ScaleScore]) -> ScaleScore:
    values = [s.sum for s in scores if s.sum is not None]
    first = scores[0]
    return replace(first, sum=statistics.fmean(values) if values else None, method="sum",
                   answered=first.n_items)


def by_month(scored: Sequence[ScoredSession]) -> list[ScoredSession]:
    """One ScoredSession per (month, rater, instrument), dated the first of the month."""
    groups: dict[tuple[datetime.date, Rater, str], list[ScoredSession]] = {}
    for s in scored:
        month = s.date.replace(day=1)
        groups.setdefault((month, s.rater, s.score.instrument_url), []).append(s)
    out = []
    for (month, rater, _), members in sorted(groups.items()):
        first = members[0].score
        total = _mean([m.score.total for m in members])
        scales = {code: _mean([m.score.scale(code) for m in members
                               if code in m.score.components]) for code in first.components}
        out.append(ScoredSession(f"month-{month:%Y-%m}", month, rater,
                                 replace(first, total=total, components=scales)))
    return out
