"""Attendance alerts from the visit list: missed sessions and long gaps between attended ones."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from plugin.alliance.alerts import Alert, AlertSettings, Visit

MISSED = {"cancelled": "was cancelled", "no-show": "was a no-show"}


def attendance_alerts(visits: Iterable[Visit], settings: AlertSettings,
                      today: datetime.date | None = None) -> list[Alert]:
    """One alert per cancelled or no-show visit, and one per gap over ``settings.gap_days``
    between attended visits (and from the last attended visit to ``today``, when given)."""
    ordered = sorted(visits, key=lambda v: (v.date, v.id))
    alerts = [Alert("attendance", v.id, v.date, v.status,
                    f"The session on {v.date.isoformat()} {MISSED[v.status]}.",
                    values={"days": 0.0})
              for v in ordered if v.status in MISSED]
    attended = [v for v in ordered if v.status == "attended"]
    for before, after in zip(attended, attended[1:], strict=False):
        days = (after.date - before.date).days
        if days > settings.gap_days:
            alerts.append(Alert(
                "attendance", after.id, after.date, "long-gap",
                f"{days} days passed between attended sessions (more than {settings.gap_days}).",
                values={"days": float(days), "limit": float(settings.gap_days)}))
    if today is not None and attended:
        days = (today - attended[-1].date).days
        if days > settings.gap_days:
            alerts.append(Alert(
                "attendance", None, today, "long-gap",
                f"No attended session for {days} days (more than {settings.gap_days}).",
                values={"days": float(days), "limit": float(settings.gap_days)}))
    return alerts
