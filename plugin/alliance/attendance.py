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

import bisect
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
from plugin.wording import alerts as words
from plugin.wording.alerts import ABSENCE_SOURCE
from plugin.wording.alerts import CANCELLATION_WHY as _WHY

CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"


_CLIENT = Cancellation("client")
_CLINIC = Cancellation("clinic", absence=False)
_UNSAID = Cancellation(None, absence=False)
# Every code of the HL7 appointment-cancellation-reason code system (THO, R4 binding), mapped
# on purpose: who it names, and what it means for the client's attendance.
REASONS: dict[str, Cancellation] = {
    "pat": _CLIENT,
    "pat-crs": Cancellation("client", _WHY["pat-crs"]),
    "pat-cpp": Cancellation("client", _WHY["pat-cpp"]),
    "pat-dec": Cancellation(None, _WHY["pat-dec"], absence=False),
    "pat-fb": Cancellation("client", _WHY["pat-fb"]),
    "pat-lt": Cancellation("client", _WHY["pat-lt"]),
    "pat-mt": Cancellation("client", _WHY["pat-mt"], absence=False),
    "pat-mv": Cancellation("client", _WHY["pat-mv"], absence=False),
    "pat-preg": Cancellation("client", _WHY["pat-preg"]),
    "pat-swl": Cancellation("client", _WHY["pat-swl"], absence=False),
    "pat-ucp": Cancellation("client", _WHY["pat-ucp"], unhappy=True),
    "prov": _CLINIC,
    "prov-pers": Cancellation("clinic", _WHY["prov-pers"], absence=False),
    "prov-dch": Cancellation("clinic", _WHY["prov-dch"], absence=False),
    "prov-edu": Cancellation("clinic", _WHY["prov-edu"], absence=False),
    "prov-hosp": Cancellation("clinic", _WHY["prov-hosp"], absence=False),
    "prov-labs": Cancellation("clinic", _WHY["prov-labs"], absence=False),
    "prov-mri": Cancellation("clinic", _WHY["prov-mri"], absence=False),
    "prov-onc": Cancellation("clinic", _WHY["prov-onc"], absence=False),
    "maint": Cancellation("clinic", _WHY["maint"], absence=False),
    "meds-inc": Cancellation(None, _WHY["meds-inc"], absence=False),
    "other": _UNSAID,
    "oth-cms": Cancellation(None, _WHY["oth-cms"], absence=False),
    "oth-err": Cancellation("clinic", _WHY["oth-err"], absence=False),
    "oth-fin": Cancellation(None, _WHY["oth-fin"], absence=False),
    "oth-iv": Cancellation(None, _WHY["oth-iv"], absence=False),
    "oth-int": Cancellation(None, _WHY["oth-int"], absence=False),
    "oth-mu": Cancellation(None, _WHY["oth-mu"], absence=False),
    "oth-room": Cancellation("clinic", _WHY["oth-room"], absence=False),
    "oth-oerr": Cancellation("clinic", _WHY["oth-oerr"], absence=False),
    "oth-swie": Cancellation("clinic", _WHY["oth-swie"], absence=False),
    "oth-weath": Cancellation(None, _WHY["oth-weath"], absence=False),
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


def _gaps(dates: list[datetime.date]) -> tuple[list[int], list[int]]:
    """The gaps of more than 0 days between consecutive ``dates``: where each ends (the index
    of its later date) and its days, in order."""
    ends: list[int] = []
    days: list[int] = []
    for index in range(1, len(dates)):
        gap = (dates[index] - dates[index - 1]).days
        if gap > 0:
            ends.append(index)
            days.append(gap)
    return ends, days


def _rhythm(gaps: tuple[list[int], list[int]], settings: AlertSettings,
            end: int | None = None) -> float | None:
    """The median of the last 8 gaps between ``dates[:end]`` (``gaps`` from ``_gaps(dates)``):
    found by bisection, so asking at every visit stays linear in the number of visits."""
    ends, days = gaps
    count = len(days) if end is None else bisect.bisect_left(ends, end)
    intervals = days[max(0, count - 8):count]
    if len(intervals) < settings.rhythm_min_intervals:
        return None
    return float(statistics.median(intervals))


def _limit(rhythm: float | None, settings: AlertSettings) -> float:
    return settings.gap_days_without_rhythm if rhythm is None else settings.gap_factor * rhythm


def _absence(visit: Visit) -> Alert | None:
    day = spoken_day(visit.date)
    if visit.status == "no-show":
        return Alert("attendance", visit.id, visit.date, "no-show",
                     words.no_show(day), source=ABSENCE_SOURCE,
                     values={"days": 0.0})
    if visit.status != "cancelled" or visit.cancelled_by != "client":
        return None
    reason = visit.reason or _CLIENT
    if reason.unhappy:
        return Alert("attendance", visit.id, visit.date, "client-unhappy",
                     words.cancelled_unhappy(day, reason.why),
                     source=words.cancellation_source(CODE_SYSTEM),
                     values={"days": 0.0})
    if not reason.absence:
        return None
    return Alert("attendance", visit.id, visit.date, "client-cancelled",
                 words.cancelled(day, reason.why), source=ABSENCE_SOURCE,
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
    gaps = _gaps(dates)
    for index in range(1, len(ordered)):
        days = (dates[index] - dates[index - 1]).days
        rhythm = _rhythm(gaps, settings, end=index)
        if days > _limit(rhythm, settings):
            alerts.append(_gap(ordered[index].id, dates[index], days, rhythm, settings, False))
    booked = [v.date for v in everything if v.status == "booked" and v.date >= dates[-1]]
    days = (today - dates[-1]).days
    rhythm = _rhythm(gaps, settings)
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
    reason = words.gap(days, rhythm, settings.gap_days_without_rhythm, to_today=to_today,
                       up_to=spoken_day(day))
    source = words.gap_source(settings.gap_factor, rhythm, settings.gap_days_without_rhythm)
    return Alert("attendance", visit_id, day, "gap", reason, source=source,
                 values={"days": float(days), "limit": _limit(rhythm, settings),
                         "rhythm": rhythm or 0.0})
