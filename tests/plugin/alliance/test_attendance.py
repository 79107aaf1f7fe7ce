"""Attendance alerts: missed sessions and long gaps between attended sessions."""

from __future__ import annotations

import datetime

from plugin.alliance import AlertSettings, Visit, analyse_trends

D = datetime.date


def test_missed_sessions_and_gaps():
    visits = [Visit("v1", D(2026, 1, 1), "attended"), Visit("v2", D(2026, 1, 8), "attended"),
              Visit("v3", D(2026, 1, 15), "cancelled"), Visit("v4", D(2026, 1, 22), "no-show"),
              Visit("v5", D(2026, 2, 19), "attended")]
    alerts = analyse_trends([], [], visits, today=D(2026, 3, 30))
    got = [(a.kind, a.rule, a.encounter_id) for a in alerts]
    assert got == [("attendance", "cancelled", "v3"), ("attendance", "no-show", "v4"),
                   ("attendance", "long-gap", "v5"), ("attendance", "long-gap", None)]
    assert alerts[2].values["days"] == 42
    assert alerts[3].reason == "No attended session for 39 days (more than 21)."


def test_regular_attendance_raises_nothing():
    visits = [Visit(f"v{i}", D(2026, 1, 1) + datetime.timedelta(weeks=i), "attended")
              for i in range(8)]
    assert analyse_trends([], [], visits, today=D(2026, 2, 26)) == []
    assert analyse_trends([], [], visits, settings=AlertSettings(gap_days=6)) != []
