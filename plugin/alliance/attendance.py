"""Attendance that means something: the client's absences, one signal each, gaps measured against
the client's own rhythm, and every cancellation read for who cancelled and why.

- ``cancellation`` reads an Appointment's ``cancelationReason``: each code of HL7's
  appointment-cancellation-reason code system is mapped on purpose (``REASONS``), then free
  text is read for who cancelled (the first person named) before what kind of place.
- An absence is a no-show or a session the client cancelled for an ordinary reason. A client
  who cancels as unhappy with or changing provider is an alert of its own; a cancellation
  because the client died, moved, ended their cover or was rebooked earlier is never called an
  absence. A clinic cancellation, or one whose record does not say who, is never the client's.
- A gap is a stretch with nothing booked at all (an absence is never also a gap; a booked
  future session counts), longer than ``gap_factor`` times the client's usual interval.
- Open: within ``recent_days`` of ``today`` and, for a single absence, until two attended
  sessions follow it (a repeated one stays open); older alerts are kept, marked as history.
All windows and factors are project defaults.
"""

from __future__ import annotations

import datetime
import re
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from plugin.alliance.alerts import (
    Alert,
    AlertSettings,
    Cancellation,
    CancelledBy,
    Visit,
    spoken_day,
)

CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
GAP_SOURCE = ("gap longer than {k:g} times this client's usual interval between booked "
              "sessions (median of the last 8; project default)")
ABSENCE_SOURCE = "a no-show or a session the client cancelled (project default: one signal each)"


_CLIENT = Cancellation("client")
_CLINIC = Cancellation("clinic", absence=False)
_UNSAID = Cancellation(None, absence=False)
# Every code of the HL7 appointment-cancellation-reason code system (THO, R4 binding), mapped
# on purpose: who it names, and what it means for the client's attendance.
REASONS: dict[str, Cancellation] = {
    "pat": _CLIENT,
    "pat-crs": Cancellation("client", "cancelled through the reminder system"),
    "pat-cpp": Cancellation("client", "cancelled through the patient portal"),
    "pat-dec": Cancellation(None, "the record says the client has died", absence=False),
    "pat-fb": Cancellation("client", "feeling better"),
    "pat-lt": Cancellation("client", "no transport"),
    "pat-mt": Cancellation("client", "their cover ended", absence=False),
    "pat-mv": Cancellation("client", "moved away", absence=False),
    "pat-preg": Cancellation("client", "pregnancy"),
    "pat-swl": Cancellation("client", "rebooked from the waiting list", absence=False),
    "pat-ucp": Cancellation("client", "unhappy with or changing provider", unhappy=True),
    "prov": _CLINIC,
    "prov-pers": Cancellation("clinic", "the clinician's personal reasons", absence=False),
    "prov-dch": Cancellation("clinic", "the client was discharged", absence=False),
    "prov-edu": Cancellation("clinic", "the clinician was at training or a meeting",
                             absence=False),
    "prov-hosp": Cancellation("clinic", "the clinician was in hospital", absence=False),
    "prov-labs": Cancellation("clinic", "test results out of range", absence=False),
    "prov-mri": Cancellation("clinic", "a screening form said not to proceed", absence=False),
    "prov-onc": Cancellation("clinic", "a change of treatment plan", absence=False),
    "maint": Cancellation("clinic", "equipment maintenance", absence=False),
    "meds-inc": Cancellation(None, "preparation or medication incomplete", absence=False),
    "other": _UNSAID,
    "oth-cms": Cancellation(None, "the service was not authorised", absence=False),
    "oth-err": Cancellation("clinic", "booked in error", absence=False),
    "oth-fin": Cancellation(None, "financial reasons", absence=False),
    "oth-iv": Cancellation(None, "improper IV access", absence=False),
    "oth-int": Cancellation(None, "no interpreter was available", absence=False),
    "oth-mu": Cancellation(None, "preparation or results unavailable", absence=False),
    "oth-room": Cancellation("clinic", "a room or resource was unavailable", absence=False),
    "oth-oerr": Cancellation("clinic", "a scheduling error", absence=False),
    "oth-swie": Cancellation("clinic", "a walk-in recorded in error", absence=False),
    "oth-weath": Cancellation(None, "the weather", absence=False),
}
_PERSON = re.compile(r"\b(?P<client>client|patient|pt|parent|carer|family)\b|"
                     r"\b(?P<clinic>therapist|clinician|provider|practitioner|doctor|dr|"
                     r"counsell?or|psychologist|staff)\b")
_PLACE = re.compile(r"\b(clinic|service|office|practice|hospital)\b")


def cancellation(reason: Mapping[str, Any] | None) -> Cancellation:
    """Who cancelled and why, from an Appointment's ``cancelationReason`` (codes, then text)."""
    if not isinstance(reason, Mapping):
        return _UNSAID
    for coding in reason.get("coding") or []:
        if not isinstance(coding, Mapping):
            continue
        system, code = coding.get("system"), str(coding.get("code") or "")
        if system in (None, CODE_SYSTEM) and code in REASONS:
            return REASONS[code]
    text = str(reason.get("text") or "").lower()
    found = _PERSON.search(text)
    if found is not None:
        return _CLIENT if found.group("client") else _CLINIC
    return _CLINIC if _PLACE.search(text) else _UNSAID


def cancelled_by(reason: Mapping[str, Any] | None) -> CancelledBy | None:
    """Who cancelled, from an Appointment's ``cancelationReason``."""
    return cancellation(reason).by


def _rhythm(dates: list[datetime.date], settings: AlertSettings) -> float | None:
    intervals = [(b - a).days for a, b in zip(dates, dates[1:], strict=False) if b > a][-8:]
    if len(intervals) < settings.rhythm_min_intervals:
        return None
    return float(statistics.median(intervals))


def _limit(rhythm: float | None, settings: AlertSettings) -> float:
    return settings.gap_days_without_rhythm if rhythm is None else settings.gap_factor * rhythm


def _absence(visit: Visit) -> Alert | None:
    day = spoken_day(visit.date)
    if visit.status == "no-show":
        return Alert("attendance", visit.id, visit.date, "no-show",
                     f"The client did not come on {day}.", source=ABSENCE_SOURCE,
                     values={"days": 0.0})
    if visit.status != "cancelled" or visit.cancelled_by != "client":
        return None
    reason = visit.reason or _CLIENT
    if reason.unhappy:
        return Alert("attendance", visit.id, visit.date, "client-unhappy",
                     f"The client cancelled the session of {day}, giving as the reason: "
                     f"{reason.why}.", source=f"cancellation reason code ({CODE_SYSTEM})",
                     values={"days": 0.0})
    if not reason.absence:
        return None
    why = f" ({reason.why})" if reason.why else ""
    return Alert("attendance", visit.id, visit.date, "client-cancelled",
                 f"The client cancelled the session of {day}{why}.", source=ABSENCE_SOURCE,
                 values={"days": 0.0})


def attendance_alerts(visits: Iterable[Visit], settings: AlertSettings,
                      today: datetime.date | None = None) -> list[Alert]:
    everything = sorted(visits, key=lambda v: (v.date, v.id))
    ordered = [v for v in everything if v.status != "booked"]
    if not ordered:
        return []
    today = today or ordered[-1].date
    alerts = [a for a in map(_absence, ordered) if a is not None]
    dates = [v.date for v in ordered]
    for index in range(1, len(ordered)):
        days = (dates[index] - dates[index - 1]).days
        rhythm = _rhythm(dates[:index], settings)
        if days > _limit(rhythm, settings):
            alerts.append(_gap(ordered[index].id, dates[index], days, rhythm, settings, False))
    booked = [v.date for v in everything if v.status == "booked" and v.date >= dates[-1]]
    days = (today - dates[-1]).days
    rhythm = _rhythm(dates, settings)
    if not booked and days > _limit(rhythm, settings):
        alerts.append(_gap(None, today, days, rhythm, settings, True))
    attended = [v.date for v in ordered if v.status == "attended"]
    return [a if _still_open(a, alerts, attended, today, settings) else
            Alert(**{**a.__dict__, "open": False}) for a in alerts]


def _still_open(alert: Alert, alerts: list[Alert], attended: list[datetime.date],
                today: datetime.date, settings: AlertSettings) -> bool:
    """Recent, and for a single absence also not yet followed by two attended sessions: one
    cancellation weeks ago with sessions since is history, a repeated one is not."""
    if (today - alert.date).days > settings.recent_days:
        return False
    if alert.rule == "gap" or alert.rule == "client-unhappy":
        return True
    repeated = any(a is not alert and a.rule != "gap" and abs((a.date - alert.date).days)
                   <= settings.recent_days for a in alerts)
    return repeated or sum(1 for d in attended if d > alert.date) < 2


def _gap(visit_id: str | None, day: datetime.date, days: int, rhythm: float | None,
         settings: AlertSettings, to_today: bool) -> Alert:
    usual = (f"this client's sessions are usually {rhythm:g} days apart" if rhythm is not None
             else f"more than {settings.gap_days_without_rhythm} days")
    reason = (f"Nothing has been booked since the session {days} days ago; {usual}."
              if to_today else
              f"{days} days passed with no session booked, up to {spoken_day(day)}; {usual}.")
    source = (GAP_SOURCE.format(k=settings.gap_factor) if rhythm is not None else
              f"no usual rhythm yet: more than {settings.gap_days_without_rhythm} days "
              "(project default)")
    return Alert("attendance", visit_id, day, "gap", reason, source=source,
                 values={"days": float(days), "limit": _limit(rhythm, settings),
                         "rhythm": rhythm or 0.0})
