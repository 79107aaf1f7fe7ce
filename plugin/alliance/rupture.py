"""Drops, ruptures and returns to usual, per rater, instrument and scale.

- The usual level is the median of up to ``baseline_window`` earlier ratings (at least
  ``baseline_min_sessions``), leaving out the ratings of an open drop.
- A **drop** prompt: a rating lower than the usual by at least the scale's noticeable drop
  (``drop`` in the norms, raw points). It is worth asking about that day; it claims no more.
- A **rupture not yet repaired** (alert): a later rating after a drop is still at least
  ``rupture_fraction`` of the noticeable drop under the usual level. It is dated from the drop
  and stays open, whatever its age, until ``repair_ratings`` ratings in a row of the same rater,
  instrument and scale are back near the usual level (within ``repair_fraction`` of the
  noticeable drop); a drop with no rupture yet closes at the first such rating.
- **Back near usual** (news): the first rating back near the usual level. It says what was
  observed (back to 19, the usual being 20); it does not claim the rupture was talked about
  or resolved, which a score cannot show. Rupture-repair episodes go with better outcomes
  (Eubanks, Muran & Safran 2018).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession, spoken_day
from plugin.alliance.course import Course, fmt, out_of, scale_words, sourced_size
from plugin.alliance.norms import FormNorms
from plugin.wording import alerts as words
from plugin.wording.alerts import REPAIR_SOURCE


@dataclass
class _Drop:
    prompt: int  # index of the drop prompt in the alerts
    rupture: int | None  # index of the rupture alert once the next rating is still low
    usual: float
    size: float
    back: int = 0  # ratings in a row back near the usual level since the rupture


def rupture_alerts(series: Sequence[ScoredSession], scale: str, form: FormNorms | None,
                   course: Course, settings: AlertSettings) -> list[Alert]:
    """Drop prompts, ruptures not yet repaired and returns to usual on one rater's scale."""
    size = form.scale(scale).drop if form is not None else None
    if size is None or size.value is None:
        return []
    threshold, margin = size.value, size.value * settings.repair_fraction
    alerts: list[Alert] = []
    usual: list[float] = []
    drop: _Drop | None = None
    for session in series:
        if scale not in session.score.scales or session.score.scale(scale).sum is None:
            continue
        score = session.score.scale(scale)
        value = float(score.sum or 0.0)
        what = scale_words(form, session.score.instrument_url, scale)
        number = course.number(session.encounter_id, session.date)
        common = dict(scale=scale, rater=session.rater, instrument=session.score.instrument_url,
                      session_number=number, prorated=score.prorated)
        if drop is not None:
            first = alerts[drop.prompt]
            if value >= drop.usual - margin:
                drop.back += 1
                if drop.back == 1:
                    alerts.append(Alert(
                        "repair", session.encounter_id, session.date, "back-near-usual",
                        words.back_near_usual(what, out_of(score), number, fmt(drop.usual),
                                              spoken_day(first.date)),
                        values={"value": value, "usual": drop.usual}, source=REPAIR_SOURCE,
                        open=False, good_news=True, level="news",
                        **common))  # type: ignore[arg-type]
                if drop.rupture is None or drop.back >= settings.repair_ratings:
                    for index in (drop.prompt, drop.rupture):
                        if index is not None:
                            alerts[index] = replace(alerts[index], open=False,
                                                    resolved_on=session.date)
                    drop = None
                    usual.append(value)
                continue
            drop.back = 0
            if drop.rupture is None and value <= drop.usual - settings.rupture_fraction * threshold:
                alerts.append(replace(
                    first, kind="rupture", rule="not-back-to-usual", level="alert",
                    reason=words.not_back(what, fmt(drop.usual), fmt(first.values["value"]),
                                          spoken_day(first.date), out_of(score), number),
                    values={**first.values, "latest": value}))
                drop.rupture = len(alerts) - 1
            elif drop.rupture is not None:
                index = drop.rupture
                alerts[index] = replace(alerts[index], values={**alerts[index].values,
                                                               "latest": value})
            continue
        window = usual[-settings.baseline_window:]
        if len(window) >= settings.baseline_min_sessions:
            baseline = float(statistics.median(window))
            if baseline - value >= threshold:
                alerts.append(Alert(
                    "drop", session.encounter_id, session.date, "drop-from-usual",
                    words.drop(what, out_of(score), number, fmt(baseline - value),
                               fmt(baseline)),
                    values={"value": value, "usual": baseline, "drop": baseline - value,
                            "threshold": threshold},
                    source=words.drop_source(sourced_size(size), size.source,
                                             settings.baseline_window),
                    level="prompt", **common))  # type: ignore[arg-type]
                drop = _Drop(len(alerts) - 1, None, baseline, threshold)
                continue
        usual.append(value)
    return alerts
