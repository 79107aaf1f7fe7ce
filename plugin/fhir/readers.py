"""Reading FHIR JSON from any server: the one place that knows where a value sits in a resource.

Lenient by design (servers send extra and missing fields): an odd or missing field gives None or
a readable placeholder, never an exception. Owns the rules for the alliance rater extension,
``meta.versionId``, references and ids, and the plain summaries the panel shows (patient, sessions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir_profiles import CANONICAL
from plugin.alliance import Cancellation, CancelledBy, cancellation
from plugin.alliance.vocabulary import RATER_ROLE_EXTENSION, Rater

UNKNOWN = "—"
FIRST_VERSION = "1"  # a resource served without meta.versionId is taken as its first version
ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR's id syntax


# How a client's answers came (a QuestionnaireResponse's meta.tag): "link" (their own phone,
# a one-time link), "portal" (a patient launch), "handoff" (the clinician's device), "paper"
# (a paper form typed in). A therapist's rating carries none.
CHANNEL_SYSTEM = f"{CANONICAL}/CodeSystem/alliance-answer-channel"
CHANNELS = ("link", "portal", "handoff", "paper")


def channel_of(qr: Mapping[str, Any]) -> str | None:
    """How a stored response's answers came (``CHANNELS``), when it says."""
    meta = qr.get("meta")
    for tag in (meta.get("tag") or []) if isinstance(meta, dict) else []:
        if isinstance(tag, dict) and tag.get("system") == CHANNEL_SYSTEM \
                and tag.get("code") in CHANNELS:
            return str(tag["code"])
    return None


def rater_of(resource: Mapping[str, Any]) -> Rater | None:
    """The alliance rater role ("client" | "therapist") a Questionnaire, QuestionnaireResponse or
    Observation declares in its rater-role extension (valueCoding or valueCode), else None."""
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == RATER_ROLE_EXTENSION:
            coding = ext.get("valueCoding")
            code = coding.get("code") if isinstance(coding, dict) else ext.get("valueCode")
            return "client" if code == "client" else "therapist" if code == "therapist" else None
    return None


def version_id(resource: Mapping[str, Any]) -> str | None:
    """``meta.versionId`` as the server sent it, None when it sent none."""
    meta = resource.get("meta")
    value = meta.get("versionId") if isinstance(meta, dict) else None
    return str(value) if value not in (None, "") else None


def current_version(resource: Mapping[str, Any]) -> str:
    """The version to show and to send in If-Match: ``meta.versionId``, else the first."""
    return version_id(resource) or FIRST_VERSION


def version_number(resource: Mapping[str, Any]) -> int:
    """The version as a number for ordering a history; 0 when absent or not a number."""
    value = version_id(resource) or ""
    return int(value) if value.isdigit() else 0


def reference(resource: Mapping[str, Any], name: str) -> str:
    """The ``reference`` of a Reference-valued element (``subject``, ``author``...), else ""."""
    element = resource.get(name)
    value = element.get("reference") if isinstance(element, dict) else None
    return str(value) if isinstance(value, str) else ""


def referenced_id(element: Any, resource_type: str) -> str | None:
    """The id a Reference names for ``resource_type``, relative or absolute, else None."""
    value = element.get("reference") if isinstance(element, dict) else element
    if not isinstance(value, str) or f"{resource_type}/" not in value:
        return None
    found = value.rsplit(f"{resource_type}/", 1)[1].split("/")[0]
    return found if ID.match(found) else None


def location_id(location: str, resource_type: str) -> tuple[str, str | None] | None:
    """(id, version) from a transaction-response ``location`` such as
    ``QuestionnaireResponse/abc/_history/3``; None when it names another type."""
    found = referenced_id(location, resource_type)
    if found is None:
        return None
    version = location.rsplit("/_history/", 1)[1] if "/_history/" in location else None
    return found, (version or None)


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
    cancelled_by: CancelledBy | None = None  # a cancelled Appointment: its cancelationReason
    reason: Cancellation | None = None  # who cancelled and why, read from that reason


_ENCOUNTER_STATUS = {
    "finished": "attended",
    "in-progress": "in progress",
    "arrived": "in progress",
    "planned": "planned",
    "cancelled": "cancelled",
}
_APPOINTMENT_STATUS = {"noshow": "no-show", "cancelled": "cancelled", "booked": "booked",
                       "pending": "booked", "arrived": "booked", "checked-in": "booked"}


def read_encounter(encounter: dict[str, Any]) -> Session:
    found = encounter.get("period")
    period: dict[str, Any] = found if isinstance(found, dict) else {}
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
    """A cancelled, no-show or still booked Appointment; None for any other (a fulfilled one
    has its Encounter; proposed, waitlisted and entered-in-error ones are not sessions)."""
    status = str(appointment.get("status") or "")
    if status not in _APPOINTMENT_STATUS:
        return None
    types = [_text(t) for t in appointment.get("serviceType") or []]
    reason = (cancellation(appointment.get("cancelationReason")) if status == "cancelled"
              else None)
    return Session(
        id=str(appointment.get("id", "")),
        resource_type="Appointment",
        day=parse_date(appointment.get("start")),
        kind=next((t for t in types if t), "")
        or _text(appointment.get("appointmentType"))
        or "Session",
        status=_APPOINTMENT_STATUS[status],
        cancelled_by=reason.by if reason else None,
        reason=reason,
    )


def sessions(encounters: list[dict[str, Any]], appointments: list[dict[str, Any]]) -> list[Session]:
    """Every session, newest first: encounters plus missed appointments (no double counting)."""
    found = [read_encounter(e) for e in encounters]
    days = {s.day for s in found}
    found += [s for s in map(read_missed_appointment, appointments) if s is not None
              and not (s.status == "booked" and s.day in days)]  # its Encounter is listed
    return sorted(found, key=lambda s: (s.day or date.min, s.id), reverse=True)
