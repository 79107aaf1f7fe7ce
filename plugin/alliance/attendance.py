"""Attendance that means something: the client's absences, one signal each, and gaps measured
against the client's own rhythm; only recent ones stay open, older ones are history.

- An absence is a no-show or a session the client cancelled. A session the clinic cancelled is
  never the client's absence; a cancellation whose record does not say who cancelled it is not
  counted either (the panel lists it; nothing is claimed).
- A gap is a stretch with no session scheduled at all (so one absence is never also a gap),
  longer than ``gap_factor`` times the client's usual interval (the median of their last
  scheduled intervals; ``gap_days_without_rhythm`` until there are ``rhythm_min_intervals``).
- Open: within ``recent_days`` of ``today``; older alerts are kept, marked as history.
All windows and factors are project defaults.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from plugin.alliance.alerts import Alert, AlertSettings, CancelledBy, Visit, spoken_day

GAP_SOURCE = ("gap longer than {k:g} times this client's usual interval between scheduled "
              "sessions (median of the last 8; project default)")
ABSENCE_SOURCE = "a no-show or a session the client cancelled (project default: one signal each)"
# HL7 appointment-cancellation-reason codes (terminology.hl7.org): pat* = the patient.
_CLINIC_CODES = {"prov", "maint", "oth-cms", "oth-err", "oth-mal", "oth-oerr", "oth-swie",
                 "oth-weath"}
_CLIENT_WORDS = ("client", "patient", "pat-")
_CLINIC_WORDS = ("clinic", "therapist", "provider", "practitioner", "prov-", "staff")


def cancelled_by(reason: Mapping[str, Any] | None) -> CancelledBy | None:
    """Who cancelled, from an Appointment's ``cancelationReason`` (codes first, then text)."""
    if not isinstance(reason, Mapping):
        return None
    for coding in reason.get("coding") or []:
        code = str(coding.get("code") or "") if isinstance(coding, Mapping) else ""
        if code.startswith("pat"):
            return "client"
        if code in _CLINIC_CODES or code.startswith("prov"):
            return "clinic"
    text = str(reason.get("text") or "").lower()
    if any(word in text for word in _CLINIC_WORDS):
        return "clinic"
    if any(word in text for word in _CLIENT_WORDS):
        return "client"
    return None


def _rhythm(dates: list[datetime.date], settings: AlertSettings) -> float | None:
    intervals = [(b - a).days for a, b in zip(dates, dates[1:], strict=False) if b > a][-8:]
    if len(intervals) < settings.rhythm_min_intervals:
        return None
    return float(statistics.median(intervals))


def _limit(rhythm: float | None, settings: AlertSettings) -> float:
    return settings.gap_days_without_rhythm if rhythm is None else settings.gap_factor * rhythm


def attendance_alerts(visits: Iterable[Visit], settings: AlertSettings,
                      today: datetime.date | None = None) -> list[Alert]:
    ordered = sorted(visits, key=lambda v: (v.date, v.id))
    if not ordered:
        return []
    today = today or ordered[-1].date
    alerts: list[Alert] = []
    for visit in ordered:
        absent = visit.status == "no-show" or (visit.status == "cancelled"
                                              and visit.cancelled_by == "client")
        if absent:
            what = "did not come" if visit.status == "no-show" else "cancelled"
            alerts.append(Alert(
                "attendance", visit.id, visit.date,
                "no-show" if visit.status == "no-show" else "client-cancelled",
                f"The client {what} on {spoken_day(visit.date)}.", source=ABSENCE_SOURCE,
                values={"days": 0.0}))
    dates = [v.date for v in ordered]
    for index in range(1, len(ordered)):
        days = (dates[index] - dates[index - 1]).days
        rhythm = _rhythm(dates[:index], settings)
        if days > _limit(rhythm, settings):
            alerts.append(_gap(ordered[index].id, dates[index], days, rhythm, settings, False))
    days = (today - dates[-1]).days
    rhythm = _rhythm(dates, settings)
    if days > _limit(rhythm, settings):
        alerts.append(_gap(None, today, days, rhythm, settings, True))
    return [a if (today - a.date).days <= settings.recent_days else
            Alert(**{**a.__dict__, "open": False}) for a in alerts]


def _gap(visit_id: str | None, day: datetime.date, days: int, rhythm: float | None,
         settings: AlertSettings, to_today: bool) -> Alert:
    usual = (f"this client's sessions are usually {rhythm:g} days apart" if rhythm is not None
             else f"more than {settings.gap_days_without_rhythm} days")
    reason = (f"No session has been scheduled for {days} days; {usual}." if to_today else
              f"{days} days passed with no session scheduled, up to {spoken_day(day)}; {usual}.")
    source = (GAP_SOURCE.format(k=settings.gap_factor) if rhythm is not None else
              f"no usual rhythm yet: more than {settings.gap_days_without_rhythm} days "
              "(project default)")
    return Alert("attendance", visit_id, day, "gap", reason, source=source,
                 values={"days": float(days), "limit": _limit(rhythm, settings),
                         "rhythm": rhythm or 0.0})
