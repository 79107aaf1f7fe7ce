from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from ehr_sandbox.cohort import CONTRIBUTORS, SHAPES, PatientPlan, build_cohort, load_cohort
from ehr_sandbox.fhir.store import Store

from .harness import FHIR, NOW


@pytest.fixture(scope="module")
def cohort():
    return build_cohort(20261125, NOW)


def test_same_seed_same_resources_other_seed_other_ones(cohort) -> None:
    assert build_cohort(20261125, NOW).resources == cohort.resources
    # Another seed, without the alliance histories (4 s of CPU for another clinic's; their own
    # seed test: test_cohort_alliance.py): another clinic, whatever its records.
    other = build_cohort(7, NOW, contributors=())
    mine = build_cohort(20261125, NOW, contributors=())
    assert other.resources != mine.resources
    assert {r["id"] for r in other.resources}.isdisjoint({r["id"] for r in mine.resources})


def test_at_least_twelve_adults(cohort) -> None:
    patients = [p.patient for p in cohort.patients]
    assert len(patients) >= 12
    assert len({p["id"] for p in patients}) == len(patients)
    for patient in patients:
        born = date.fromisoformat(patient["birthDate"])
        age = (date(2026, 11, 25) - born).days / 365.25
        assert 18 <= age <= 80
        assert patient["identifier"][0]["value"].startswith("MRN")


def test_one_clinic_three_therapists(cohort) -> None:
    kinds = Counter(r["resourceType"] for r in cohort.resources)
    assert kinds["Organization"] == 1 and kinds["Practitioner"] == 3


def test_shapes_and_course_lengths(cohort) -> None:
    assert {p.shape for p in cohort.patients} == set(SHAPES)
    weeks = sorted(len(p.sessions) - 1 for p in cohort.patients)
    assert weeks[-1] == 150
    assert all(6 <= w <= 30 for w in weeks[:-1])
    assert len(set(weeks)) > 3


def test_some_sessions_cancelled_and_missed(cohort) -> None:
    statuses = Counter(r["status"] for r in cohort.resources if r["resourceType"] == "Appointment")
    assert statuses["cancelled"] > 0 and statuses["noshow"] > 0 and statuses["fulfilled"] > 100


def test_attended_sessions_have_encounters_and_today_is_in_progress(cohort) -> None:
    encounters = {r["id"]: r for r in cohort.resources if r["resourceType"] == "Encounter"}
    for plan in cohort.patients:
        today = encounters[plan.today.encounter_id]
        assert today["status"] == "in-progress"
        assert today["period"]["start"].startswith("2026-11-25")
        for session in plan.sessions[:-1]:
            assert session.attended == (session.status == "fulfilled")
            if session.attended:
                encounter = encounters[session.encounter_id]
                assert encounter["status"] == "finished"
                assert encounter["class"]["code"] == "AMB"
                assert encounter["type"][0]["coding"][0]["code"] == "75516001"
                assert encounter["appointment"] == [
                    {"reference": f"Appointment/{session.appointment_id}"}]


def test_every_resource_is_valid_fhir(cohort) -> None:
    for resource in cohort.resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_loading_is_idempotent_and_indexes_patients(cohort, tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite", lambda: NOW)
    assert load_cohort(store, cohort, FHIR) == len(cohort.resources)
    assert load_cohort(store, cohort, FHIR) == 0
    plan = cohort.patients[0]
    assert len(store.scan("Encounter", plan.patient_id)) == len(plan.attended)
    assert len(store.scan("Appointment", plan.patient_id)) == len(plan.sessions) == 151


def _canonical(resource: dict) -> str:
    """Equal resources, and only they, have equal texts: a set of them finds a resource among
    thousands at once, where `in` on the tuple compares it with each in turn."""
    return json.dumps(resource, sort_keys=True)


def test_contributors_add_resources_without_disturbing_the_rest(cohort) -> None:
    def marker(plan: PatientPlan, rng: random.Random) -> list[dict]:
        return [{"resourceType": "Observation", "id": f"mark-{plan.number}",
                 "value": rng.random(), "subject": {"reference": f"Patient/{plan.patient_id}"}}]

    extended = build_cohort(20261125, NOW, contributors=(*CONTRIBUTORS, marker))
    before = {_canonical(r) for r in cohort.resources}  # `r in before`, in O(1), not O(n)
    added = [r for r in extended.resources if _canonical(r) not in before]
    assert [r["id"] for r in added] == [f"mark-{n}" for n in range(len(cohort.patients))]
    assert [r for r in extended.resources if _canonical(r) in before] == list(cohort.resources)
    again = build_cohort(20261125, NOW, contributors=(*CONTRIBUTORS, marker))
    assert again.resources == extended.resources
