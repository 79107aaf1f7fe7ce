"""The load benchmark gives every simulated clinician a session of their own, however many
clinicians there are against the sandbox cohort's sessions (50 against 12 broke once: the copies
were made from copies, whose Encounters were never stored)."""

from __future__ import annotations

import time

from benchmarks.load.cluster import one_session_each
from ehr_sandbox.cohort import build_cohort
from ehr_sandbox.settings import SandboxSettings


def test_fifty_clinicians_each_get_a_stored_session_of_their_own():
    cohort = build_cohort(SandboxSettings.seed, time.time())
    contexts = [{"patient": p.patient_id, "encounter": p.today.encounter_id}
                for p in cohort.patients]
    encounters = {r["id"]: r for r in cohort.resources if r["resourceType"] == "Encounter"}

    given, extra = one_session_each(contexts, encounters, 50)

    stored = set(encounters) | {e["id"] for e in extra}
    assert len(given) == 50
    assert len({c["encounter"] for c in given}) == 50
    assert all(c["encounter"] in stored for c in given)
    assert len(contexts) == len(cohort.patients)  # the caller's list is left as it was
