"""Client and therapist apart: only between forms made as a pair (the norms' ``pairedWith``),
on the same encounters, in that scale's points, judged on the pair over time.

Clients usually rate the alliance higher than their therapists (Tryon, Blackwell & Hammel
2007), so the two directions are weighed differently (all sizes are fractions of the client
form's noticeable drop, project defaults):
- the client lower than the therapist by ``client_lower_fraction`` in ``apart_run`` paired
  sessions in a row: an alert; in one session by the whole noticeable drop: a prompt that day;
- the therapist lower than the client by more than the usual gap (the norms'
  ``raterDifference``) plus ``therapist_lower_fraction`` of the noticeable drop, on average over
  ``apart_run`` paired sessions in a row, none of them closer than half a drop less: an alert.
An alert stays open until a paired session no longer shows the gap. Different instruments (an
SRS beside a therapist check-in) are never compared.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession, spoken_day
from plugin.alliance.course import Course, fmt, out_of
from plugin.alliance.norms import FormNorms, NormSet
from plugin.alliance.vocabulary import TOTAL
from plugin.wording import alerts as words
from plugin.wording.alerts import APART_SOURCE

Pair = tuple[ScoredSession, ScoredSession]


def _pairs(sessions: Sequence[ScoredSession], c_form: FormNorms) -> list[Pair]:
    therapist_by = {s.encounter_id: s for s in sessions if s.rater == "therapist"
                    and s.score.instrument_url.split("|")[0] == c_form.paired_with}
    return [(c, therapist_by[c.encounter_id]) for c in sessions
            if c.rater == "client" and c.score.instrument_url.split("|")[0] == c_form.instrument
            and c.encounter_id in therapist_by and c.score.total.sum is not None
            and therapist_by[c.encounter_id].score.total.sum is not None]


def discrepancy_alerts(sessions: Sequence[ScoredSession], norms: NormSet, course: Course,
                       settings: AlertSettings) -> list[Alert]:
    alerts: list[Alert] = []
    for c_form in {f.instrument: f for f in norms.forms.values()
                   if f.rater == "client" and f.paired_with}.values():
        drop = c_form.scale(TOTAL).drop
        if drop is None or drop.value is None:
            continue
        t_form = norms.get(c_form.paired_with or "", "therapist")
        gap = 0.0
        if t_form is not None and t_form.rater_difference is not None:
            sd = t_form.scale(TOTAL).sd
            gap = (t_form.rater_difference.value or 0.0) * (sd.value or 0.0 if sd else 0.0)
        alerts += _apart(_pairs(sessions, c_form), c_form, drop.value, gap, course, settings)
    return alerts


def _apart(pairs: list[Pair], form: FormNorms, size: float, gap: float, course: Course,
           settings: AlertSettings) -> list[Alert]:
    """``gap``: the usual client-minus-therapist difference in points (the norms'
    ``raterDifference`` in SDs times the therapist form's SD)."""
    apart = gap + settings.therapist_lower_fraction * size
    alerts: list[Alert] = []
    opened: dict[str, int] = {}
    source = APART_SOURCE.format(n=settings.apart_run)
    for index, (client, therapist) in enumerate(pairs):
        c, t = client.score.total, therapist.score.total
        difference = float((c.sum or 0.0) - (t.sum or 0.0))  # positive: the client rates higher
        number = course.number(client.encounter_id, client.date)
        head = words.pair_head(number, form.label, out_of(c), out_of(t))
        common = dict(scale=TOTAL, rater=None, instrument=client.score.instrument_url,
                      session_number=number, prorated=c.prorated or t.prorated)
        recent = [float((a.score.total.sum or 0.0) - (b.score.total.sum or 0.0))
                  for a, b in pairs[max(0, index + 1 - settings.apart_run):index + 1]]
        full = len(recent) == settings.apart_run
        found = {
            "client-lower": full and all(-d >= settings.client_lower_fraction * size
                                         for d in recent),
            "therapist-lower": full and statistics.fmean(recent) >= apart and all(
                d >= apart - size / 2 for d in recent),
        }
        for rule, now in found.items():
            back = difference > 0 if rule == "client-lower" else difference < apart - size / 2
            if rule in opened and not now and back:
                where = opened.pop(rule)
                alerts[where] = replace(alerts[where], open=False, resolved_on=client.date)
            if now and rule not in opened:
                first = pairs[index + 1 - settings.apart_run][0]
                mean = statistics.fmean(recent)
                alerts.append(Alert(
                    "discrepancy", first.encounter_id, first.date, rule,
                    words.apart(settings.apart_run, spoken_day(first.date),
                                rule == "client-lower", fmt(abs(mean)), out_of(c), out_of(t),
                                number),
                    values={"client": c.sum or 0.0, "therapist": t.sum or 0.0,
                            "difference": difference, "mean": mean},
                    source=source, **{**common, "session_number": course.number(
                        first.encounter_id, first.date)}))  # type: ignore[arg-type]
                opened[rule] = len(alerts) - 1
        if -difference >= size and "client-lower" not in opened:
            alerts.append(Alert(
                "discrepancy", client.encounter_id, client.date, "client-lower-today",
                words.weaker_today(head, fmt(-difference)),
                values={"client": c.sum or 0.0, "therapist": t.sum or 0.0,
                        "difference": difference}, source=source, level="prompt",
                **common))  # type: ignore[arg-type]
    return alerts
