"""The synthetic cohort the sandbox starts with, generated from a seed.

One clinic, three therapists, twelve adult clients in weekly psychotherapy. Every client has a
`shape`: the course their therapeutic alliance will take once alliance records are added. A later
step adds them with a contributor, a function that returns extra resources for one client
(`cohort_alliance.alliance_history` is the one registered in CONTRIBUTORS):

    def alliance_history(plan: PatientPlan, rng: random.Random) -> list[dict]: ...
    cohort = build_cohort(seed, now, contributors=(alliance_history,))

Each contributor gets its own generator (seeded from the seed, its name and the client), so
adding one never changes what the others produce. Resources reference each other by the ids in
the plan (plan.patient_id, session.encounter_id, ...).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ehr_sandbox import cohort_people, cohort_sessions
from ehr_sandbox.cohort_alliance import alliance_history
from ehr_sandbox.cohort_sessions import Session
from ehr_sandbox.fhir.compartment import patient_of
from ehr_sandbox.fhir.store import Store

SHAPES = ("steady", "rupture-repair", "decline-dropout", "low-early", "disagreement",
          "long-course")
# One client per entry, in this order; the long course runs for LONG_COURSE_WEEKS.
PATIENT_SHAPES = ("long-course", "steady", "rupture-repair", "decline-dropout", "low-early",
                  "disagreement", "steady", "rupture-repair", "decline-dropout", "low-early",
                  "disagreement", "steady")
LONG_COURSE_WEEKS = 150
COURSE_WEEKS = (6, 30)


@dataclass(frozen=True)
class PatientPlan:
    """One client: who they are, who treats them, their shape and their sessions."""

    number: int
    patient: dict
    practitioner_id: str
    organization_id: str
    shape: str
    sessions: tuple[Session, ...]  # oldest first; the last one is today's, in progress

    @property
    def patient_id(self) -> str:
        return self.patient["id"]

    @property
    def today(self) -> Session:
        return self.sessions[-1]

    @property
    def attended(self) -> tuple[Session, ...]:
        """Sessions with an Encounter, today's included."""
        return tuple(s for s in self.sessions if s.attended)


Contributor = Callable[[PatientPlan, random.Random], Iterable[dict]]
# Contributors create_sandbox uses: the recorded alliance histories (cohort_alliance.py).
CONTRIBUTORS: tuple[Contributor, ...] = (alliance_history,)


@dataclass(frozen=True)
class Cohort:
    seed: int
    today: date
    organization: dict
    practitioners: tuple[dict, ...]
    patients: tuple[PatientPlan, ...]
    resources: tuple[dict, ...]  # everything, in an order where references point backwards


def _plan(seed: int, number: int, shape: str, today: date, org: dict,
          therapists: Sequence[dict]) -> PatientPlan:
    rng = random.Random(f"{seed}:patient:{number}")
    patient = cohort_people.patient(rng, number, today, org["id"])
    weeks = LONG_COURSE_WEEKS if shape == "long-course" else rng.randint(*COURSE_WEEKS)
    therapist = therapists[number % len(therapists)]
    hour = 8 + number // len(therapists)  # one slot per therapist and hour: no double booking
    today_start = datetime(today.year, today.month, today.day, hour, tzinfo=UTC)
    statuses = cohort_sessions.plan_statuses(rng, weeks, shape)
    sessions = cohort_sessions.plan_sessions(rng, statuses, today_start)
    return PatientPlan(number, patient, therapist["id"], org["id"], shape, tuple(sessions))


def _course(plan: PatientPlan) -> list[dict]:
    out = []
    for session in plan.sessions:
        out.append(cohort_sessions.appointment(session, plan.patient_id, plan.practitioner_id))
        if session.attended:
            out.append(cohort_sessions.encounter(
                session, plan.patient_id, plan.practitioner_id, plan.organization_id))
    return out


def contributor_rng(seed: int, contributor: Contributor, plan: PatientPlan) -> random.Random:
    name = getattr(contributor, "__qualname__", type(contributor).__name__)
    return random.Random(f"{seed}:{name}:{plan.number}")


def build_cohort(seed: int, now: float,
                 contributors: Sequence[Contributor] = CONTRIBUTORS) -> Cohort:
    """The same seed and day give the same resources, ids included."""
    today = datetime.fromtimestamp(now, tz=UTC).date()
    rng = random.Random(f"{seed}:clinic")
    org = cohort_people.organization(rng)
    therapists = cohort_people.practitioners(rng)
    plans = [_plan(seed, n, shape, today, org, therapists)
             for n, shape in enumerate(PATIENT_SHAPES)]
    resources: list[dict] = [org, *therapists]
    for plan in plans:
        resources.append(plan.patient)
        resources.extend(_course(plan))
        for contributor in contributors:
            resources.extend(contributor(plan, contributor_rng(seed, contributor, plan)))
    return Cohort(seed, today, org, tuple(therapists), tuple(plans), tuple(resources))


def load_cohort(store: Store, cohort: Cohort, fhir_base: str) -> int:
    """Store the cohort if the store is empty; returns how many resources were loaded."""
    with store.atomic():
        if not store.is_empty():
            return 0
        for resource in cohort.resources:
            owner = patient_of(resource, fhir_base, lambda ref: store.patient_of(ref.type, ref.id))
            store.create(resource, patient=owner, keep_id=True)
    return len(cohort.resources)
