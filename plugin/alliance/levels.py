"""Level rules on one rater's total of one instrument: under the line, low for weeks, and a
slide down over several sessions.

- **Under the line** (prompt): every rating under the instrument's line, the day it happens.
  The SRS's published cut-off is 36 and PCOMS practice is to talk about every SRS under it;
  the check-in's lines are project defaults and say so. Instruments without a line (the
  WAI-SR: none published) get no level claim at all.
- **Low for weeks** (alert): ``low_run`` ratings in a row under the line, dated from the first;
  open until a rating at or above the line.
- **Sliding down** (alert): over the last ``trend_window`` ratings a least-squares decline of at
  least ``trend_fraction`` of the noticeable drop, with the last three ratings that much under
  the window's first three, and no single step down as large as a noticeable drop (that is a
  drop, for the rupture rule); open until a rating is back near the window's starting level.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession, spoken_day
from plugin.alliance.course import Course, fmt, line_words, out_of, scale_words, sourced_size
from plugin.alliance.norms import FormNorms
from plugin.alliance.vocabulary import TOTAL
from plugin.wording import alerts as words


def _scored(series: Sequence[ScoredSession]) -> list[ScoredSession]:
    return [s for s in series if s.score.total.sum is not None]


def low_alerts(series: Sequence[ScoredSession], form: FormNorms | None, course: Course,
               settings: AlertSettings) -> list[Alert]:
    """Under-the-line prompts, and low-for-weeks alerts from ``low_run`` in a row."""
    cutoff = form.scale(TOTAL).cutoff if form is not None else None
    if cutoff is None or cutoff.value is None:
        return []
    line = cutoff.value
    alerts: list[Alert] = []
    run: list[ScoredSession] = []
    open_low: int | None = None
    for session in _scored(series):
        score = session.score.total
        value = float(score.sum or 0.0)
        number = course.number(session.encounter_id, session.date)
        what = scale_words(form, session.score.instrument_url, TOTAL)
        common = dict(scale=TOTAL, rater=session.rater, instrument=session.score.instrument_url,
                      session_number=number, prorated=score.prorated)
        if value >= line:
            if open_low is not None:
                alerts[open_low] = replace(alerts[open_low], open=False,
                                           resolved_on=session.date)
                open_low = None
            run = []
            continue
        run.append(session)
        alerts.append(Alert(
            "under-line", session.encounter_id, session.date, "under-line",
            words.under_line(what, out_of(score), number, line_words(cutoff)),
            values={"value": value, "threshold": line}, source=words.line_source(cutoff.source),
            level="prompt", **common))  # type: ignore[arg-type]
        if len(run) == settings.low_run and open_low is None:
            first = run[0]
            alerts.append(Alert(
                "low-alliance", first.encounter_id, first.date, "low-for-weeks",
                words.low_for_several(what, line_words(cutoff), len(run),
                                      spoken_day(first.date), out_of(score), number),
                values={"value": value, "threshold": line, "ratings": float(len(run))},
                source=words.low_source(cutoff.source, settings.low_run),
                **{**common, "session_number": course.number(first.encounter_id,
                                                             first.date)}))  # type: ignore[arg-type]
            open_low = len(alerts) - 1
        elif open_low is not None:
            alerts[open_low] = replace(alerts[open_low], values={
                **alerts[open_low].values, "value": value, "ratings": float(len(run))})
    return alerts


def _slope(values: Sequence[float]) -> float:
    xs = range(len(values))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(values)
    den = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True)) / den


def trend_alerts(series: Sequence[ScoredSession], form: FormNorms | None, course: Course,
                 settings: AlertSettings) -> list[Alert]:
    """A slide down over the last ``trend_window`` ratings, once per slide, open until back."""
    size = form.scale(TOTAL).drop if form is not None else None
    if size is None or size.value is None:
        return []
    needed = settings.trend_fraction * size.value
    scored = _scored(series)
    alerts: list[Alert] = []
    start_level: float | None = None
    for end in range(len(scored)):
        value = float(scored[end].score.total.sum or 0.0)
        if start_level is not None:
            if value >= start_level - size.value * 0.5:
                alerts[-1] = replace(alerts[-1], open=False, resolved_on=scored[end].date)
                start_level = None
            continue
        if end + 1 < settings.trend_window:
            continue
        window = scored[end + 1 - settings.trend_window:end + 1]
        values = [float(s.score.total.sum or 0.0) for s in window]
        decline = -_slope(values) * (len(values) - 1)
        fall = statistics.fmean(values[:3]) - statistics.fmean(values[-3:])
        steps = max(a - b for a, b in zip(values, values[1:], strict=False))
        if decline < needed or fall < needed or steps >= size.value:
            continue  # one step down by a whole drop is the rupture rule's, not a slide
        last = window[-1]
        number = course.number(last.encounter_id, last.date)
        start_level = statistics.fmean(values[:3])
        alerts.append(Alert(
            "falling-trend", last.encounter_id, last.date, "sliding-down",
            words.sliding(scale_words(form, last.score.instrument_url, TOTAL), len(values),
                          fmt(start_level), out_of(last.score.total), number),
            scale=TOTAL, rater=last.rater, instrument=last.score.instrument_url,
            session_number=number, prorated=last.score.total.prorated,
            values={"decline": decline, "fall": fall, "start": start_level,
                    "threshold": needed, "sessions": float(len(values))},
            source=words.sliding_source(sourced_size(size), settings.trend_window,
                                        size.source)))
    return alerts
