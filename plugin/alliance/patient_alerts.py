"""All alerts for one patient: every instrument read per rater on its own scale and norms,
comparisons only between paired forms, attendance from the visit list. Pure: series in,
alerts out (prompts, alerts and news: ``Alert.level``).

Each (rater, instrument) series is analysed on its own, whatever else was recorded: five
check-ins beside one SRS of 20 still give the SRS its own rules. Each scale with a noticeable
drop in the norms (total and components) gets the drop, rupture and return rules; the total
gets the line and slide rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from plugin.alliance.alerts import Alert, AlertSettings, ScoredSession, Visit
from plugin.alliance.attendance import attendance_alerts
from plugin.alliance.course import course_of, series_by_form
from plugin.alliance.discrepancy import discrepancy_alerts
from plugin.alliance.instruments import Instrument
from plugin.alliance.levels import low_alerts, trend_alerts
from plugin.alliance.norms import NormSet, shipped_norms
from plugin.alliance.rupture import rupture_alerts


def analyse_trends(sessions: Iterable[ScoredSession], instruments: Iterable[Instrument] = (),
                   visits: Iterable[Visit] = (), settings: AlertSettings | None = None,
                   today: datetime.date | None = None,
                   norms: NormSet | None = None) -> list[Alert]:
    """All alerts, ordered by date. ``norms`` defaults to the shipped ones; ``today`` decides
    which absences and gaps are recent (open) and measures the gap since the last session."""
    settings = settings or AlertSettings()
    norms = norms or shipped_norms()
    del instruments  # the scores carry their ranges; kept for callers that pass them
    ordered = sorted(sessions, key=lambda s: (s.date, s.encounter_id))
    visit_list = list(visits)
    course = course_of(ordered, visit_list)
    alerts: list[Alert] = []
    for (rater, url), series in series_by_form(ordered).items():
        form = norms.get(url, rater)
        for scale in dict.fromkeys(c for s in series for c in s.score.scales):
            alerts += rupture_alerts(series, scale, form, course, settings)
        alerts += low_alerts(series, form, course, settings)
        alerts += trend_alerts(series, form, course, settings)
    alerts += discrepancy_alerts(ordered, norms, course, settings)
    alerts += attendance_alerts(visit_list, settings, today)
    return sorted(alerts, key=lambda a: (a.date, a.kind))
