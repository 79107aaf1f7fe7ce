"""A correction (or an entered-in-error) cut off part-way is completed exactly once when the
outbox sends it again: on a server without transactions, where its entries go one by one, and
on one with transactions, where the answer of a transaction that went through can be lost.

The fake FHIR server is tests/support/memory_fhir.py behind the fake transport; everything
above the transport (outbox, builders, entry writes, FhirClient) is the app's own code. The
failure comes at each request of the change in turn: the connection cut before the server did
anything ("cut"), or the server did it and the answer was lost ("lost")."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import pytest

import fhir_profiles
from plugin.alliance import instrument_from_questionnaire, score_answers
from plugin.fhir.client import FhirClient
from plugin.fhir.record_bundles import (
    Submission,
    build_correction_bundle,
    build_entered_in_error_bundle,
    build_submission_bundle,
)
from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.outbox import Outbox, OutboxPolicy
from tests.support.clock import FakeClock
from tests.support.memory_fhir import MemoryFhir

UTC = datetime.UTC
FORM = "alliance-checkin-therapist"
FIRST = {"goal-1": "3", "goal-2": "3", "task-1": "3", "task-2": "0", "bond-1": "4",
         "bond-2": "3"}
# bond-2 left out: the bond subscale is no longer scored, its old score must be withdrawn
CORRECTED = {**FIRST, "goal-1": "1", "task-2": "2", "bond-2": None}


def submission(answers: dict[str, Any], submission_id: str, **extra: Any) -> Submission:
    return Submission(
        questionnaire=fhir_profiles.questionnaire(FORM), answers=answers, rater="therapist",
        patient="Patient/p1", encounter="Encounter/e1", author="Practitioner/pr1",
        authored=datetime.datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        submission_id=submission_id, app_name="Alliance Panel", app_version="0.1.0", **extra)


class Clinic:
    """The outbox on a session store file, a fake FHIR server, and one stored rating."""

    def __init__(self, tmp_path: Path, *, transactions: bool) -> None:
        self.transactions = transactions
        self.clock = FakeClock(1_000_000.0)
        self.fhir = MemoryFhir(transactions=transactions)
        store = SqliteSessionStore(tmp_path / "sessions.sqlite3", "s" * 40, clock=self.clock)
        self.outbox = Outbox(store, lambda _item: FhirClient(
            self.fhir.base, http=self.fhir.session, retries=0),
                             clock=self.clock, policy=OutboxPolicy(first_retry=2))
        self.submission_id = str(uuid.uuid4())
        first = self.send(build_submission_bundle(submission(FIRST, self.submission_id)))
        assert first["state"] == "sent"
        self.qr_id = str(first["qr_id"])

    def send(self, bundle: dict[str, Any], kind: str = "rating") -> dict[str, Any]:
        return self.outbox.submit({"id": str(uuid.uuid4()), "kind": kind, "bundle": bundle,
                                   "iss": "https://ehr.example/fhir", "where": "ehr",
                                   "transactions": self.transactions, "handle": "h1",
                                   "practitioner": "Practitioner/pr1", "patient": "p1"})

    def qr(self) -> dict[str, Any]:
        return self.fhir.current("QuestionnaireResponse", self.qr_id)

    def observations(self) -> list[dict[str, Any]]:
        return self.fhir.all("Observation")

    def correction(self) -> dict[str, Any]:
        sub = submission(CORRECTED, self.submission_id, reason="Mis-clicked goal 1",
                         recorded=datetime.datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        return build_correction_bundle(sub, self.qr(), "1", self.observations())

    def resend_until_done(self) -> dict[str, Any]:
        for _ in range(3):
            self.clock.advance(3600)
            self.outbox.run_due()
        (item,) = [i for i in self.outbox.items() if i.get("kind") != "rating"]
        return item


def live_scores(clinic: Clinic) -> dict[str, float]:
    scores: dict[str, float] = {}
    for obs in clinic.observations():
        if obs["status"] != "entered-in-error":
            scale = obs["code"]["coding"][0]["code"]
            assert scale not in scores, f"two live {scale} scores"
            scores[scale] = obs["valueQuantity"]["value"]
    return scores


def expected_scores(answers: dict[str, Any]) -> dict[str, float]:
    instrument = instrument_from_questionnaire(fhir_profiles.questionnaire(FORM))
    score = score_answers(instrument, answers)
    return {code: round(s.sum, 4) for code, s in score.scales.items()
            if s.scored and s.sum is not None}


CORRECTION_REQUESTS = 6  # PUT response, PUT 4 scores (one withdrawn), POST Provenance


# Entry by entry, each of the six requests in turn; a transaction is one request.
CASES = [(False, fault, step) for fault in ("cut", "lost")
         for step in range(1, CORRECTION_REQUESTS + 1)] + [(True, "cut", 1), (True, "lost", 1)]


@pytest.mark.parametrize(("transactions", "fault", "step"), CASES)
def test_an_interrupted_correction_is_completed_once(tmp_path: Path, transactions: bool,
                                                     fault: str, step: int) -> None:
    clinic = Clinic(tmp_path, transactions=transactions)
    bundle = clinic.correction()
    assert len(bundle["entry"]) == CORRECTION_REQUESTS
    clinic.fhir.faults = [None] * (step - 1) + [fault]

    first = clinic.send(bundle, kind="correction")
    assert first["state"] == "queued"  # the clinician is told it is not stored yet
    item = clinic.resend_until_done()

    assert item["state"] == "sent", item.get("reason")
    assert item["qr_id"] == clinic.qr_id
    qr = clinic.qr()
    assert qr["status"] == "amended" and qr["meta"]["versionId"] == "2"
    assert len(clinic.fhir.versions[("QuestionnaireResponse", clinic.qr_id)]) == 2
    # the corrected scores are the current ones, no stale score left live, none twice
    assert len(clinic.observations()) == 4
    assert live_scores(clinic) == expected_scores(CORRECTED)
    for obs in clinic.observations():
        assert len(clinic.fhir.versions[("Observation", obs["id"])]) == 2  # changed once
        if obs["status"] != "entered-in-error":
            assert obs["derivedFrom"] == [
                {"reference": f"QuestionnaireResponse/{clinic.qr_id}/_history/2"}]
    # one Provenance for the save, one for the correction
    activities = sorted(p["activity"]["coding"][0]["code"] for p in clinic.fhir.all("Provenance"))
    assert activities == ["CREATE", "UPDATE"]


@pytest.mark.parametrize(("transactions", "step"),
                         [(False, step) for step in range(1, 7)] + [(True, 1)])
def test_an_interrupted_entered_in_error_is_completed_once(tmp_path: Path, transactions: bool,
                                                           step: int) -> None:
    clinic = Clinic(tmp_path, transactions=transactions)
    bundle = build_entered_in_error_bundle(
        clinic.qr(), "1", clinic.observations(), author="Practitioner/pr1",
        reason="Wrong patient", recorded=datetime.datetime(2026, 11, 26, tzinfo=UTC),
        app_name="Alliance Panel", app_version="0.1.0")
    clinic.fhir.faults = [None] * (step - 1) + ["lost"]
    assert clinic.send(bundle, kind="entered-in-error")["state"] == "queued"
    assert clinic.resend_until_done()["state"] == "sent"
    assert clinic.qr()["status"] == "entered-in-error"
    assert {o["status"] for o in clinic.observations()} == {"entered-in-error"}
    assert len(clinic.fhir.all("Provenance")) == 2


def test_a_change_someone_else_made_meanwhile_is_a_conflict_not_a_success(
        tmp_path: Path) -> None:
    """Recognising an update that went through compares content: another correction of the
    same version (different answers) is a real conflict, reported, and changes nothing."""
    clinic = Clinic(tmp_path, transactions=False)
    mine = clinic.correction()
    other = submission({**FIRST, "goal-2": "0"}, clinic.submission_id, reason="Other change",
                       recorded=datetime.datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    theirs = build_correction_bundle(other, clinic.qr(), "1", clinic.observations())
    assert clinic.send(theirs, kind="correction")["state"] == "sent"
    state = clinic.send(mine, kind="correction")
    assert state["state"] == "failed" and "409" not in state["reason"]
    assert "412" in state["reason"]
    goal_2 = next(i for i in clinic.qr()["item"] if i["linkId"] == "goal-2")
    # theirs stays, mine is refused
    assert [a["valueCoding"]["code"] for a in goal_2["answer"]] == ["0"]
    assert len(clinic.fhir.all("Provenance")) == 2


@pytest.mark.parametrize("check_fault", ["cut", "503"])
def test_a_failed_check_of_a_lost_answer_is_tried_again_not_called_a_conflict(
        tmp_path: Path, check_fault: str) -> None:
    """A correction's transaction went through and its answer was lost; the outbox's next send
    meets the new version (a conflict) and reads it back to see whether it is its own. When that
    read fails too, nothing is known yet: the item stays queued, and the send after completes it
    (it was marked failed for good, a correction the clinician was told is on its way)."""
    clinic = Clinic(tmp_path, transactions=True)
    clinic.fhir.faults = ["lost", None, check_fault]
    assert clinic.send(clinic.correction(), kind="correction")["state"] == "queued"
    clinic.clock.advance(3600)
    clinic.outbox.run_due()
    (item,) = [i for i in clinic.outbox.items() if i.get("kind") == "correction"]
    assert item["state"] == "queued", item.get("reason")
    item = clinic.resend_until_done()
    assert item["state"] == "sent", item.get("reason")
    assert clinic.qr()["meta"]["versionId"] == "2"
