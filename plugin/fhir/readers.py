"""Lenient readers: turn FHIR JSON from any server into the few plain values the panel shows.

Missing or odd fields give a readable placeholder, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

UNKNOWN = "—"


def _text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and (coding.get("display") or coding.get("code")):
            return str(coding.get("display") or coding.get("code"))
    return ""


def human_name(resource: dict[str, Any]) -> str:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    preferred = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if not preferred:
        return "Unnamed"
    if preferred.get("text"):
        return str(preferred["text"])
    given = " ".join(str(g) for g in preferred.get("given") or [])
    return (
        " ".join(part for part in (given, str(preferred.get("family") or "")) if part).strip()
        or "Unnamed"
    )


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class PatientSummary:
    id: str
    name: str
    birth_date: str
    gender: str
    identifier: str


def read_patient(patient: dict[str, Any]) -> PatientSummary:
    identifiers = [i for i in patient.get("identifier") or [] if isinstance(i, dict)]
    return PatientSummary(
        id=str(patient.get("id", "")),
        name=human_name(patient),
        birth_date=str(patient.get("birthDate") or UNKNOWN),
        gender=str(patient.get("gender") or UNKNOWN),
        identifier=str(identifiers[0].get("value", UNKNOWN)) if identifiers else UNKNOWN,
    )


@dataclass(frozen=True)
class Session:
    """One scheduled therapy session: an Encounter or, for a missed one, an Appointment."""

    id: str
    resource_type: str
    day: date | None
    kind: str
    status: str  # attended | in progress | planned | cancelled | no-show | other FHIR status


_ENCOUNTER_STATUS = {
    "finished": "attended",
    "in-progress": "in progress",
    "arrived": "in progress",
    "planned": "planned",
    "cancelled": "cancelled",
}
_APPOINTMENT_STATUS = {"noshow": "no-show", "cancelled": "cancelled"}


def read_encounter(encounter: dict[str, Any]) -> Session:
    period = encounter.get("period") if isinstance(encounter.get("period"), dict) else {}
    types = [_text(t) for t in encounter.get("type") or []]
    status = str(encounter.get("status") or "unknown")
    return Session(
        id=str(encounter.get("id", "")),
        resource_type="Encounter",
        day=parse_date(period.get("start") or period.get("end")),
        kind=next((t for t in types if t), "") or _text(encounter.get("class")) or "Session",
        status=_ENCOUNTER_STATUS.get(status, status),
    )


def read_missed_appointment(appointment: dict[str, Any]) -> Session | None:
    """A cancelled or no-show Appointment; None for any other (those have an Encounter)."""
    status = str(appointment.get("status") or "")
    if status not in _APPOINTMENT_STATUS:
        return None
    types = [_text(t) for t in appointment.get("serviceType") or []]
    return Session(
        id=str(appointment.get("id", "")),
        resource_type="Appointment",
        day=parse_date(appointment.get("start")),
        kind=next((t for t in types if t), "")
        or _text(appointment.get("appointmentType"))
        or "Session",
        status=_APPOINTMENT_STATUS[status],
    )


def sessions(encounters: list[dict[str, Any]], appointments: list[dict[str, Any]]) -> list[Session]:
    """Every session, newest first: encounters plus missed appointments (no double counting)."""
    found = [read_encounter(e) for e in encounters]
    found += [s for s in map(read_missed_appointment, appointments) if s is not None]
    return sorted(found, key=lambda s: (s.day or date.min, s.id), reverse=True)
