"""Client and therapist apart: only between forms made as a pair (the norms' ``pairedWith``),
on the same encounter, in that scale's points, weighted toward the direction that matters.

Clients usually rate the alliance higher than therapists (d = .63, agreement r = .36; Tryon,
Blackwell & Hammel 2007). So a client rating lower than the therapist is reported once the
difference exceeds ``discrepancy_rc`` reliable-change criteria of a difference between two
raters (1.96 * sqrt(se_client^2 + se_therapist^2), se = SD * sqrt(1 - r)); a therapist rating
lower only when it exceeds that plus the usual rater gap (``raterDifference`` SDs). Different
instruments (an SRS beside a therapist check-in) are never compared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession
from plugin.alliance.course import Course, caveat, fmt, out_of
from plugin.alliance.norms import FormNorms, NormSet
from plugin.alliance.vocabulary import TOTAL

DIFFERENCE_SOURCE = ("difference criterion 1.96 * sqrt(se_client^2 + se_therapist^2), "
                     "se = SD * sqrt(1 - r) (after Jacobson & Truax 1991); ")


def _se(form: FormNorms) -> float | None:
    norms = form.scale(TOTAL)
    if norms.sd is None or norms.retest is None or norms.sd.value is None:
        return None
    return norms.sd.value * math.sqrt(1.0 - (norms.retest.value or 0.0))


def discrepancy_alerts(sessions: Sequence[ScoredSession], norms: NormSet, course: Course,
                       settings: AlertSettings) -> list[Alert]:
    therapist_by = {(s.encounter_id, s.score.instrument_url): s
                    for s in sessions if s.rater == "therapist"}
    alerts: list[Alert] = []
    for client in sessions:
        if client.rater != "client":
            continue
        c_form = norms.get(client.score.instrument_url, "client")
        if c_form is None or c_form.paired_with is None:
            continue
        t_form = norms.get(c_form.paired_with, "therapist")
        therapist = therapist_by.get((client.encounter_id, c_form.paired_with))
        if t_form is None or therapist is None:
            continue
        c, t = client.score.total, therapist.score.total
        se_c, se_t = _se(c_form), _se(t_form)
        if c.sum is None or t.sum is None or se_c is None or se_t is None:
            continue
        criterion = settings.discrepancy_rc * 1.96 * math.hypot(se_c, se_t)
        usual_gap = 0.0
        if t_form.rater_difference is not None and t_form.scale(TOTAL).sd is not None:
            usual_gap = (t_form.rater_difference.value or 0.0) * (
                t_form.scale(TOTAL).sd.value or 0.0)  # type: ignore[union-attr]
        difference = c.sum - t.sum  # positive: the client rates higher (the usual pattern)
        number = course.number(client.encounter_id, client.date)
        head = (f"In session {number} the client rated the {c_form.label} "
                f"{out_of(c)} and the therapist {out_of(t)}")
        source = DIFFERENCE_SOURCE + (
            t_form.rater_difference.source if t_form.rater_difference else "")
        if -difference > criterion:
            reason = (f"{head}: the client sees the alliance as weaker than the therapist does, "
                      f"by {fmt(-difference)} points (more than {fmt(criterion)}). Clients "
                      "usually rate it higher than therapists (Tryon, Blackwell & Hammel 2007).")
            direction = "client-lower"
        elif difference > criterion + usual_gap:
            reason = (f"{head}: the therapist rates it {fmt(difference)} points lower, more "
                      f"than the usual gap between client and therapist ({fmt(usual_gap)}) "
                      f"plus {fmt(criterion)}.")
            direction = "therapist-lower"
        else:
            continue
        alerts.append(Alert(
            "discrepancy", client.encounter_id, client.date, direction,
            reason + caveat(c_form), scale=TOTAL, rater=None,
            instrument=client.score.instrument_url, session_number=number,
            prorated=c.prorated or t.prorated,
            values={"client": c.sum, "therapist": t.sum, "difference": difference,
                    "criterion": criterion, "usual_gap": usual_gap}, source=source))
    return alerts
