"""The synthetic cohort the sandbox starts with, generated from a seed.

One clinic, three therapists, twelve adult clients in weekly psychotherapy. Every client has a
plan (cohort_plan.py) with a `shape`: the course their therapeutic alliance takes. Contributors
add resources per client on top of the clinic's people, appointments and encounters;
`cohort_alliance.alliance_history` (the recorded alliance histories) is the one registered in
CONTRIBUTORS:

    cohort = build_cohort(seed, now, contributors=(alliance_history,))

Each contributor gets its own generator (seeded from the seed, its name and the client), so
adding one never changes what the others produce.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ehr_sandbox import cohort_people, cohort_sessions
from ehr_sandbox.cohort_alliance import alliance_history
from ehr_sandbox.cohort_plan import (
    PATIENT_SHAPES,
    SHAPES,
    Contributor,
    PatientPlan,
    contributor_rng,
    plan_patient,
)
from ehr_sandbox.fhir.compartment import patient_of
from ehr_sandbox.fhir.references import LocalRef
from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.store import Store

__all__ = ["CONTRIBUTORS", "SHAPES", "Cohort", "Contributor", "PatientPlan", "build_cohort",
           "load_cohort"]

# Contributors create_sandbox uses: the recorded alliance histories (cohort_alliance.py).
CONTRIBUTORS: tuple[Contributor, ...] = (alliance_history,)


@dataclass(frozen=True)
class Cohort:
    seed: int
    today: date
    organization: Resource
    practitioners: tuple[Resource, ...]
    patients: tuple[PatientPlan, ...]
    resources: tuple[Resource, ...]  # everything, in an order where references point backwards


def _course(plan: PatientPlan) -> list[Resource]:
    out = []
    for session in plan.sessions:
        out.append(cohort_sessions.appointment(session, plan.patient_id, plan.practitioner_id))
        if session.attended:
            out.append(cohort_sessions.encounter(
                session, plan.patient_id, plan.practitioner_id, plan.organization_id))
    return out


def build_cohort(seed: int, now: float,
                 contributors: Sequence[Contributor] = CONTRIBUTORS) -> Cohort:
    """The same seed and day give the same resources, ids included."""
    today = datetime.fromtimestamp(now, tz=UTC).date()
    rng = random.Random(f"{seed}:clinic")
    org = cohort_people.organization(rng)
    therapists = cohort_people.practitioners(rng)
    plans = [plan_patient(seed, n, shape, today, org, therapists)
             for n, shape in enumerate(PATIENT_SHAPES)]
    resources: list[Resource] = [org, *therapists]
    for plan in plans:
        resources.append(plan.patient)
        resources.extend(_course(plan))
        for contributor in contributors:
            resources.extend(contributor(plan, contributor_rng(seed, contributor, plan)))
    return Cohort(seed, today, org, tuple(therapists), tuple(plans), tuple(resources))


def load_cohort(store: Store, cohort: Cohort, fhir_base: str) -> int:
    """Store the cohort if the store is empty; returns how many resources were loaded."""
    def owner_of(ref: LocalRef) -> str | None:
        return store.patient_of(ref.type, ref.id)

    with store.atomic():
        if not store.is_empty():
            return 0
        # A generator, read as it is stored: a resource's patient may be that of one before it.
        store.load((resource, patient_of(resource, fhir_base, owner_of))
                   for resource in cohort.resources)
    return len(cohort.resources)
