"""The load benchmark gives every simulated clinician a session of their own, however many
clinicians there are against the sandbox cohort's sessions (50 against 12 broke once: the copies
were made from copies, whose Encounters were never stored), and a workstation of their own, so
its machine-paced launches are never refused by limits sized for people (50 from one address
broke its warm-up once)."""

from __future__ import annotations

import time

from benchmarks.load.cluster import one_session_each
from benchmarks.load.visit import VISIT_WAITS, workstation
from ehr_sandbox.cohort import build_cohort
from ehr_sandbox.settings import SandboxSettings
from tests.support.launch_bounds import Counters, admitted


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


def test_fifty_clinicians_at_the_benchmarks_pace_are_never_refused_a_launch():
    """What the full run (`load_benchmark.py --users 50`, not run here) asks of the launch
    limits, all in one ten-minute window of the app's counters: a warm-up launch per clinician,
    then two runs of 120 s in which each clinician launches at most once per VISIT_WAITS think
    times of at least 1 s, each visit a fresh browser (no cookie) at its own workstation."""
    store = Counters()
    users, runs, seconds, least_think = 50, 2, 120, 1.0
    per_user = runs * int(seconds / (VISIT_WAITS * least_think))  # 80, a machine's pace
    launches = [workstation(n) for n in range(users)]  # the warm-up
    launches += [workstation(n) for _ in range(per_user) for n in range(users)]
    assert [a for a in launches if admitted(store, a) != "ok"] == []
    assert len({workstation(n) for n in range(300)}) == 300
