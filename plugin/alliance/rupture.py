"""Rupture and repair as a course, per rater, instrument and scale.

A rupture is a drop from the client's usual level (the mean of up to ``baseline_window``
scores outside ruptures) larger than ``rupture_rc`` reliable-change criteria (Jacobson & Truax
1991, with the scale's test-retest r from the norms). Without norms for the scale, the client's
own variability stands in (``variability_sd`` SDs of at least ``variability_min_sessions``
prior scores; a control-chart convention, project default). A rupture stays open until a
repair: a score back within ``repair_fraction_of_criterion`` of a criterion of the old usual
level. A repair is good news and is reported as such (ruptures that are repaired go with better
outcomes: Eubanks, Muran & Safran 2018, Psychotherapy 55(4), r = .29). A further drop of a
criterion below the lowest point since, while a rupture is open, is a second rupture.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession, spoken_day
from plugin.alliance.course import Course, caveat, fmt, out_of, scale_words
from plugin.alliance.norms import FormNorms
from plugin.alliance.vocabulary import TOTAL

REPAIR_SOURCE = ("repair as good news: Eubanks, Muran & Safran 2018, Psychotherapy 55(4) "
                 "(rupture resolution and outcome, r = .29); the margin is a project default")
OWN_SOURCE = ("own variability: a drop of more than {k:g} SDs of this client's own prior "
              "scores (control-chart convention, project default: no norms for this scale)")


@dataclass
class _Open:
    alert_index: int
    baseline: float
    criterion: float


def _criterion(form: FormNorms | None, scale: str, usual: Sequence[float],
               settings: AlertSettings) -> tuple[str, float, str] | None:
    norms = form.scale(scale) if form is not None else None
    rc = norms.reliable_change if norms is not None else None
    if norms is not None and rc is not None:
        k = settings.rupture_rc if scale == TOTAL else settings.subscale_rupture_rc
        return "reliable-change", k * rc, norms.reliable_change_source
    if len(usual) >= settings.variability_min_sessions:
        spread = statistics.stdev(usual)
        if spread > 0:
            return ("own-variability", settings.variability_sd * spread,
                    OWN_SOURCE.format(k=settings.variability_sd))
    return None


def rupture_alerts(series: Sequence[ScoredSession], scale: str, form: FormNorms | None,
                   course: Course, settings: AlertSettings) -> list[Alert]:
    """Ruptures (open until repaired) and repairs in one rater's series on one scale."""
    alerts: list[Alert] = []
    usual: list[float] = []
    opened: list[_Open] = []
    lowest = 0.0
    for session in series:
        if scale not in session.score.scales:
            continue
        score = session.score.scale(scale)
        if score.sum is None:
            continue
        value = score.sum
        what = scale_words(form, session.score.instrument_url, scale)
        number = course.number(session.encounter_id, session.date)
        common = dict(scale=scale, rater=session.rater, instrument=session.score.instrument_url,
                      session_number=number, prorated=score.prorated)
        if opened:
            first = opened[0]
            if value >= first.baseline - settings.repair_fraction_of_criterion * first.criterion:
                alerts.append(Alert(
                    "repair", session.encounter_id, session.date, "back-to-usual",
                    f"{what} came back to {out_of(score)} in session {number}, near the usual "
                    f"{fmt(first.baseline)}: the rupture is repaired.",
                    values={"value": value, "baseline": first.baseline}, source=REPAIR_SOURCE,
                    open=False, good_news=True, **common))  # type: ignore[arg-type]
                for o in opened:
                    alerts[o.alert_index] = replace(alerts[o.alert_index], open=False,
                                                    resolved_on=session.date)
                opened = []
                usual.append(value)
            elif lowest - value > first.criterion:
                alerts.append(replace(
                    alerts[first.alert_index], encounter_id=session.encounter_id,
                    date=session.date, reason=(
                        f"{what} fell again, from {fmt(lowest)} to {out_of(score)} in session "
                        f"{number}, while the rupture of "
                        f"{spoken_day(alerts[first.alert_index].date)} is open."),
                    values={"value": value, "baseline": first.baseline,
                            "drop": lowest - value, "criterion": first.criterion},
                    session_number=number, prorated=score.prorated))
                opened.append(_Open(len(alerts) - 1, first.baseline, first.criterion))
                lowest = value
            else:
                lowest = min(lowest, value)
            continue
        window = usual[-settings.baseline_window:]
        found = _criterion(form, scale, window, settings)
        if len(window) >= settings.baseline_min_sessions and found is not None:
            rule, criterion, source = found
            baseline = statistics.fmean(window)
            if baseline - value > criterion:
                how = (f"more than {fmt(criterion)}, the reliable-change criterion used"
                       if rule == "reliable-change" else
                       f"more than {fmt(criterion)}, beyond this client's usual variation")
                alerts.append(Alert(
                    "rupture", session.encounter_id, session.date, rule,
                    f"{what} fell from a usual {fmt(baseline)} to {out_of(score)} in session "
                    f"{number}, a drop of {fmt(baseline - value)} ({how}).",
                    values={"value": value, "baseline": baseline, "drop": baseline - value,
                            "criterion": criterion}, source=source,
                    **common))  # type: ignore[arg-type]
                opened = [_Open(len(alerts) - 1, baseline, criterion)]
                lowest = value
                continue
        usual.append(value)
    return [_finish(a, form) for a in alerts]


def _finish(alert: Alert, form: FormNorms | None) -> Alert:
    """A rupture says whether it is still open; every alert carries the tool's caveat."""
    status = ""
    if alert.kind == "rupture":
        status = (" Not yet repaired." if alert.resolved_on is None else
                  f" Repaired in the session of {spoken_day(alert.resolved_on)}.")
    return replace(alert, reason=alert.reason + status + caveat(form))
