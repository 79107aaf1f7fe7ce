"""A client's course of weekly psychotherapy sessions: Appointments and Encounters."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ehr_sandbox.cohort_people import make_id
from ehr_sandbox.fhir.resource import Resource

SNOMED = "http://snomed.info/sct"
PSYCHOTHERAPY = {"system": SNOMED, "code": "75516001", "display": "Psychotherapy"}
AMBULATORY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
              "display": "ambulatory"}
PRIMARY_PERFORMER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                     "code": "PPRF", "display": "primary performer"}
SESSION_MINUTES = 50


@dataclass(frozen=True)
class Session:
    """One weekly slot. status is the Appointment's: fulfilled, cancelled, noshow or arrived."""

    number: int  # 1-based position in the course
    start: datetime
    appointment_id: str
    status: str
    encounter_id: str | None  # set for attended sessions and today's

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=SESSION_MINUTES)

    @property
    def attended(self) -> bool:
        return self.encounter_id is not None


def plan_statuses(rng: random.Random, weeks: int, shape: str) -> list[str]:
    """Past sessions' statuses: mostly fulfilled; the shape adds its own pattern."""
    statuses = []
    for _ in range(weeks):
        roll = rng.random()
        statuses.append("cancelled" if roll < 0.08 else "noshow" if roll < 0.13 else "fulfilled")
    statuses[0] = "fulfilled"  # a course starts with an intake that happened
    if shape == "decline-dropout":
        statuses[-2:] = ["noshow", "noshow"]
    if shape == "rupture-repair":
        statuses[(2 * weeks) // 3] = "cancelled"
    return statuses


def plan_sessions(rng: random.Random, statuses: list[str], today_start: datetime) -> list[Session]:
    """The past weekly sessions (oldest first) then today's, which is in progress."""
    weeks = len(statuses)
    sessions = []
    for number, status in enumerate(statuses, start=1):
        start = today_start - timedelta(weeks=weeks - number + 1)
        encounter = make_id(rng) if status == "fulfilled" else None
        sessions.append(Session(number, start, make_id(rng), status, encounter))
    sessions.append(Session(weeks + 1, today_start, make_id(rng), "arrived", make_id(rng)))
    return sessions


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def appointment(session: Session, patient_id: str, practitioner_id: str) -> Resource:
    resource: Resource = {
        "resourceType": "Appointment",
        "id": session.appointment_id,
        "status": session.status,
        "serviceType": [{"coding": [PSYCHOTHERAPY]}],
        "description": f"Psychotherapy session {session.number}",
        "start": _instant(session.start),
        "end": _instant(session.end),
        "minutesDuration": SESSION_MINUTES,
        "participant": [
            {"actor": {"reference": f"Patient/{patient_id}"}, "required": "required",
             "status": "declined" if session.status == "cancelled" else "accepted"},
            {"actor": {"reference": f"Practitioner/{practitioner_id}"}, "required": "required",
             "status": "accepted"},
        ],
    }
    if session.status == "cancelled":
        resource["cancelationReason"] = {"text": "Cancelled by the client"}
    return resource


def encounter(session: Session, patient_id: str, practitioner_id: str, org_id: str) -> Resource:
    assert session.encounter_id is not None
    in_progress = session.status == "arrived"
    period = {"start": _instant(session.start)}
    if not in_progress:
        period["end"] = _instant(session.end)
    return {
        "resourceType": "Encounter",
        "id": session.encounter_id,
        "status": "in-progress" if in_progress else "finished",
        "class": AMBULATORY,
        "type": [{"coding": [PSYCHOTHERAPY], "text": "Psychotherapy"}],
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [{
            "type": [{"coding": [PRIMARY_PERFORMER]}],
            "individual": {"reference": f"Practitioner/{practitioner_id}"},
        }],
        "appointment": [{"reference": f"Appointment/{session.appointment_id}"}],
        "period": period,
        "serviceProvider": {"reference": f"Organization/{org_id}"},
    }
