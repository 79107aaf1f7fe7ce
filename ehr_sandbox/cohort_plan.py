"""One client's plan in the synthetic cohort: who they are, who treats them, their sessions.

A plan is what every cohort contributor works from (`cohort_alliance.alliance_history` is one):
contributors get a PatientPlan and a seeded generator and return extra resources for that client,
referencing the ids the plan holds (plan.patient_id, session.encounter_id, ...). It lives apart
from cohort.py, which composes the cohort from plans and contributors, so that a contributor can
read a plan without importing the module that imports it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from ehr_sandbox import cohort_people, cohort_sessions
from ehr_sandbox.cohort_sessions import Session
from ehr_sandbox.fhir.resource import Resource

Shape = Literal["steady", "rupture-repair", "decline-dropout", "low-early", "disagreement",
                "long-course"]
SHAPES: tuple[Shape, ...] = ("steady", "rupture-repair", "decline-dropout", "low-early",
                             "disagreement", "long-course")
# One client per entry, in this order; the long course runs for LONG_COURSE_WEEKS.
PATIENT_SHAPES: tuple[Shape, ...] = (
    "long-course", "steady", "rupture-repair", "decline-dropout", "low-early", "disagreement",
    "steady", "rupture-repair", "decline-dropout", "low-early", "disagreement", "steady")
LONG_COURSE_WEEKS = 150
COURSE_WEEKS = (6, 30)


@dataclass(frozen=True)
class PatientPlan:
    """One client: who they are, who treats them, their shape and their sessions."""

    number: int
    patient: Resource
    practitioner_id: str
    organization_id: str
    shape: Shape
    sessions: tuple[Session, ...]  # oldest first; the last one is today's, in progress

    @property
    def patient_id(self) -> str:
        return str(self.patient["id"])

    @property
    def today(self) -> Session:
        return self.sessions[-1]

    @property
    def attended(self) -> tuple[Session, ...]:
        """Sessions with an Encounter, today's included."""
        return tuple(s for s in self.sessions if s.attended)


# Extra resources for one client, from its plan and its own seeded generator.
Contributor = Callable[[PatientPlan, random.Random], Iterable[Resource]]


def plan_patient(seed: int, number: int, shape: Shape, today: date, org: Resource,
                 therapists: Sequence[Resource]) -> PatientPlan:
    """Client `number`'s plan: the same seed, number and day give the same plan."""
    rng = random.Random(f"{seed}:patient:{number}")
    patient = cohort_people.patient(rng, number, today, org["id"])
    weeks = LONG_COURSE_WEEKS if shape == "long-course" else rng.randint(*COURSE_WEEKS)
    therapist = therapists[number % len(therapists)]
    hour = 8 + number // len(therapists)  # one slot per therapist and hour: no double booking
    today_start = datetime(today.year, today.month, today.day, hour, tzinfo=UTC)
    statuses = cohort_sessions.plan_statuses(rng, weeks, shape)
    sessions = cohort_sessions.plan_sessions(rng, statuses, today_start)
    return PatientPlan(number, patient, therapist["id"], org["id"], shape, tuple(sessions))


def contributor_rng(seed: int, contributor: Contributor, plan: PatientPlan) -> random.Random:
    """The contributor's own generator for this client: adding a contributor never changes
    what the others produce."""
    name = getattr(contributor, "__qualname__", type(contributor).__name__)
    return random.Random(f"{seed}:{name}:{plan.number}")
