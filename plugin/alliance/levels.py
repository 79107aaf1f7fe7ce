"""Level rules on one rater's series of one instrument: a total under the cut-off, and a drift
down from the client's usual level.

- Low alliance: only where the norms give a cut-off for this instrument and rater (most
  alliance measures have none published; then nothing is claimed). The mean of the last
  ``low_window`` scores (fewer at the start of a series) is under the cut-off by more than
  ``low_z`` standard errors of that mean (se = SD * sqrt(1 - r) / sqrt(n), from the norms):
  the level, not one noisy score, is under it, and so is the score of the session itself
  (a session back above the cut-off is not called low). Every single score under the cut-off
  is still visible on the chart. In the first ``early_sessions`` of the course the alert is
  an early low alliance and cites the finding that makes it matter (Sharf, Primavera &
  Diener 2010).
- Falling trend: the least-squares decline over the last ``trend_window`` scores of the total
  is at least ``trend_rc`` reliable-change criteria; reported once per run of decline.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession
from plugin.alliance.course import Course, caveat, fmt, out_of, scale_words
from plugin.alliance.norms import FormNorms
from plugin.alliance.vocabulary import TOTAL

EARLY_SOURCE = ("Sharf, Primavera & Diener 2010, Psychotherapy 47(4): a weaker early alliance "
                "goes with more dropout (d = .55); early = first {n} sessions, project default")
TREND_SOURCE = "least-squares line over the last {n} scores (project default); "


def _standard_error(form: FormNorms) -> float:
    norms = form.scale(TOTAL)
    if norms.sd is None or norms.retest is None or norms.sd.value is None:
        return 0.0
    return norms.sd.value * math.sqrt(1.0 - (norms.retest.value or 0.0))


def low_alerts(series: Sequence[ScoredSession], form: FormNorms | None, course: Course,
               settings: AlertSettings) -> list[Alert]:
    cutoff = form.scale(TOTAL).cutoff if form is not None else None
    if form is None or cutoff is None or cutoff.value is None:
        return []
    threshold, se = cutoff.value, _standard_error(form)
    alerts: list[Alert] = []
    recent: list[float] = []
    for session in series:
        score = session.score.total
        if score.sum is None:
            continue
        recent = [*recent, score.sum][-settings.low_window:]
        mean = statistics.fmean(recent)
        margin = settings.low_z * se / math.sqrt(len(recent))
        if score.sum >= threshold or mean >= threshold - margin:
            continue
        number = course.number(session.encounter_id, session.date)
        what = scale_words(form, session.score.instrument_url, TOTAL)
        over = (f"{what} {out_of(score)}" if len(recent) == 1 else
                f"{what} averaged {fmt(mean)} over the last {len(recent)} sessions "
                f"({out_of(score)} now)")
        under = (f"{over}, under the cut-off of {fmt(threshold)} ({cutoff.source}) by more "
                 "than measurement error")
        common = dict(scale=TOTAL, rater=session.rater, instrument=session.score.instrument_url,
                      session_number=number, prorated=score.prorated,
                      values={"value": score.sum, "mean": mean, "threshold": threshold,
                              "margin": margin})
        source = (f"cut-off: {cutoff.source}; mean of the last {settings.low_window} scores "
                  f"under it by more than {settings.low_z:g} standard errors (SD * sqrt(1 - r)"
                  " from the norms; project default)")
        if number <= settings.early_sessions:
            alerts.append(Alert(
                "early-low-alliance", session.encounter_id, session.date, "early-cutoff",
                f"{under}, in session {number} of the course. A weaker alliance early in "
                f"therapy goes with more dropout (Sharf, Primavera & Diener 2010).{caveat(form)}",
                source=source + "; " + EARLY_SOURCE.format(n=settings.early_sessions),
                **common))  # type: ignore[arg-type]
        else:
            alerts.append(Alert(
                "low-alliance", session.encounter_id, session.date, "cutoff",
                f"{under}, up to session {number}.{caveat(form)}", source=source,
                **common))  # type: ignore[arg-type]
    return alerts


def _slope(values: Sequence[float]) -> float:
    xs = range(len(values))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(values)
    den = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True)) / den


def trend_alerts(series: Sequence[ScoredSession], form: FormNorms | None, course: Course,
                 settings: AlertSettings) -> list[Alert]:
    norms = form.scale(TOTAL) if form is not None else None
    rc = norms.reliable_change if norms is not None else None
    if norms is None or rc is None:
        return []
    criterion = settings.trend_rc * rc
    scored = [s for s in series if s.score.total.sum is not None]
    alerts: list[Alert] = []
    falling = False
    for end in range(settings.trend_window, len(scored) + 1):
        window = scored[end - settings.trend_window:end]
        values = [s.score.total.sum or 0.0 for s in window]
        decline = -_slope(values) * (len(values) - 1)
        now = decline >= criterion
        if now and not falling:
            last = window[-1]
            number = course.number(last.encounter_id, last.date)
            start = statistics.fmean(values) + decline / 2
            alerts.append(Alert(
                "falling-trend", last.encounter_id, last.date, "drift-down",
                f"{scale_words(form, last.score.instrument_url, TOTAL)} has drifted down over "
                f"the last {len(values)} sessions, from about {fmt(start)} to "
                f"{out_of(last.score.total)} in session {number}: lower than this client's "
                f"usual by more than {fmt(criterion)}, the reliable-change criterion used."
                f"{caveat(form)}",
                scale=TOTAL, rater=last.rater, instrument=last.score.instrument_url,
                session_number=number, prorated=last.score.total.prorated,
                values={"decline": decline, "criterion": criterion,
                        "sessions": float(len(values))},
                source=TREND_SOURCE.format(n=settings.trend_window)
                + norms.reliable_change_source))
        falling = now
    return alerts
