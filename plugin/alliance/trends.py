"""Trend rules over one patient's scored sessions: rupture, repair, low and early-low alliance,
falling trend and client/therapist discrepancy. Pure: the series in, alerts out.

Each rater's series is analysed on its own (client-rated and therapist-rated never mix) and each
scale (total and components) on its own. The baseline is the mean of up to ``baseline_window``
prior scores, leaving out sessions inside an unrepaired rupture, so "the usual" stays the usual.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Sequence

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession, Visit
from plugin.alliance.attendance import attendance_alerts
from plugin.alliance.instruments import Instrument
from plugin.alliance.scoring import ScaleScore
from plugin.alliance.vocabulary import RATERS, TOTAL, Rater


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _label(scale: str) -> str:
    return "Alliance total" if scale == TOTAL else scale.capitalize()


def _drop_rule(scale: ScaleScore, prior: Sequence[float], instrument: Instrument | None,
               settings: AlertSettings) -> tuple[str, float] | None:
    """Which rupture rule applies to this scale now, and its drop criterion."""
    definition = instrument.scales.get(scale.scale) if instrument else None
    if definition and definition.reliability is not None and definition.sd is not None:
        rci = definition.reliable_change or 0.0
        return "reliable-change-index", rci * settings.rci_z / 1.96
    if len(prior) >= settings.variability_min_sessions:
        spread = statistics.stdev(prior)
        if spread > 0:
            return "own-variability", settings.variability_sd * spread
    return None


def _rupture_alerts(series: Sequence[ScoredSession], scale_code: str,
                    instruments: dict[str, Instrument], settings: AlertSettings) -> list[Alert]:
    alerts: list[Alert] = []
    usual: list[float] = []
    open_rupture: tuple[float, float] | None = None  # (baseline, criterion)
    for session in series:
        if scale_code not in session.score.scales:
            continue
        scale = session.score.scale(scale_code)
        if scale.sum is None:
            continue
        value = scale.sum
        rater = session.rater
        if open_rupture is not None:
            baseline, criterion = open_rupture
            if value >= baseline - settings.repair_fraction_of_drop_rule * criterion:
                alerts.append(Alert(
                    "repair", session.encounter_id, session.date, "back-to-baseline",
                    f"{_label(scale_code)} came back to {_fmt(value)} from a rupture, near the "
                    f"usual {_fmt(baseline)}: a repair worth naming.", scale_code, rater,
                    {"value": value, "baseline": baseline}))
                open_rupture = None
                usual.append(value)
            continue
        window = usual[-settings.baseline_window:]
        rule = _drop_rule(scale, window, instruments.get(session.score.instrument_url), settings)
        if len(window) >= settings.baseline_min_sessions and rule is not None:
            baseline = statistics.fmean(window)
            name, criterion = rule
            if baseline - value > criterion:
                how = ("more than a reliable change" if name == "reliable-change-index"
                       else "beyond this client's usual variation")
                alerts.append(Alert(
                    "rupture", session.encounter_id, session.date, name,
                    f"{_label(scale_code)} fell from a usual {_fmt(baseline)} to {_fmt(value)}, "
                    f"{how}.", scale_code, rater,
                    {"value": value, "baseline": baseline, "drop": baseline - value,
                     "criterion": criterion}))
                open_rupture = (baseline, criterion)
                continue
        usual.append(value)
    return alerts


def _low_threshold(session: ScoredSession, instruments: dict[str, Instrument],
                   settings: AlertSettings) -> tuple[float, str] | None:
    instrument = instruments.get(session.score.instrument_url)
    total = instrument.scales[TOTAL] if instrument else None
    if total is not None and total.low_threshold is not None:
        return total.low_threshold, "instrument-threshold"
    configured = settings.low_thresholds.get(session.score.instrument_url)
    return (configured, "configured-threshold") if configured is not None else None


def _low_alerts(series: Sequence[ScoredSession], instruments: dict[str, Instrument],
                settings: AlertSettings) -> list[Alert]:
    alerts: list[Alert] = []
    for index, session in enumerate(series):
        found = _low_threshold(session, instruments, settings)
        value = session.score.total.sum
        if found is None or value is None or value >= found[0]:
            continue
        threshold, rule = found
        early = index < settings.early_sessions
        reason = (f"Alliance total {_fmt(value)} is under {_fmt(threshold)} in session "
                  f"{index + 1}: an early low alliance is a dropout risk." if early else
                  f"Alliance total {_fmt(value)} is under the threshold of {_fmt(threshold)}.")
        alerts.append(Alert("early-low-alliance" if early else "low-alliance",
                            session.encounter_id, session.date, rule, reason, TOTAL,
                            session.rater, {"value": value, "threshold": threshold}))
    return alerts


def _slope(values: Sequence[float]) -> float:
    xs = range(len(values))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(values)
    den = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True)) / den


def _trend_alerts(series: Sequence[ScoredSession], settings: AlertSettings) -> list[Alert]:
    alerts: list[Alert] = []
    scored = [s for s in series if s.score.total.sum is not None]
    falling = False
    for end in range(settings.trend_window, len(scored) + 1):
        window = scored[end - settings.trend_window:end]
        values = [s.score.total.sum or 0.0 for s in window]
        span = window[-1].score.total.maximum - window[-1].score.total.minimum
        decline = -_slope(values) * (len(values) - 1)
        now = decline >= settings.trend_min_decline_fraction * span
        if now and not falling:
            last = window[-1]
            alerts.append(Alert(
                "falling-trend", last.encounter_id, last.date, "least-squares-decline",
                f"Alliance total has drifted down by about {_fmt(decline)} over the last "
                f"{len(values)} sessions.", TOTAL, last.rater,
                {"decline": decline, "sessions": float(len(values))}))
        falling = now
    return alerts


def _discrepancy_alerts(sessions: Sequence[ScoredSession], settings: AlertSettings) -> list[Alert]:
    by_rater: dict[Rater, dict[str, ScoredSession]] = {r: {} for r in RATERS}
    for s in sessions:
        by_rater[s.rater][s.encounter_id] = s
    alerts: list[Alert] = []
    for encounter_id, client in by_rater["client"].items():
        therapist = by_rater["therapist"].get(encounter_id)
        if therapist is None:
            continue
        c, t = client.score.total, therapist.score.total
        if c.sum is None or t.sum is None:
            continue
        gap = (c.sum - c.minimum) / (c.maximum - c.minimum) - (t.sum - t.minimum) / (
            t.maximum - t.minimum)
        if abs(gap) > settings.discrepancy_margin_fraction:
            lower = "client" if gap < 0 else "therapist"
            alerts.append(Alert(
                "discrepancy", encounter_id, client.date, "rater-gap",
                f"Client rated {_fmt(c.sum)} of {_fmt(c.maximum)}, therapist {_fmt(t.sum)} of "
                f"{_fmt(t.maximum)}: the {lower} sees the session as weaker "
                f"({abs(gap):.0%} of the scale apart).", TOTAL, None,
                {"client": c.sum, "therapist": t.sum, "gap_fraction": abs(gap),
                 "margin_fraction": settings.discrepancy_margin_fraction}))
    return alerts


def analyse_trends(sessions: Iterable[ScoredSession], instruments: Iterable[Instrument],
                   visits: Iterable[Visit] = (), settings: AlertSettings | None = None,
                   today: datetime.date | None = None) -> list[Alert]:
    """All alerts for one patient, ordered by date; ``today`` only widens the attendance check."""
    settings = settings or AlertSettings()
    by_url = {i.url: i for i in instruments}
    ordered = sorted(sessions, key=lambda s: (s.date, s.encounter_id))
    alerts: list[Alert] = []
    for rater in RATERS:
        series = [s for s in ordered if s.rater == rater]
        for url in dict.fromkeys(s.score.instrument_url for s in series):
            one = [s for s in series if s.score.instrument_url == url]
            for scale in dict.fromkeys(c for s in one for c in s.score.scales):
                alerts += _rupture_alerts(one, scale, by_url, settings)
            alerts += _low_alerts(one, by_url, settings)
            alerts += _trend_alerts(one, settings)
    alerts += _discrepancy_alerts(ordered, settings)
    alerts += attendance_alerts(visits, settings, today)
    return sorted(alerts, key=lambda a: (a.date, a.kind))
