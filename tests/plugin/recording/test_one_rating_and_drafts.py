"""One rating per session, rater and form (checked against the store and the outbox), and
drafts that only their owner gets back."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.fhir.client import FhirClient
from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.drafts import DraftOwner, Drafts
from plugin.recording.one_rating import OneRating, Slot, find_stored
from plugin.recording.outbox import Outbox
from tests.support.clock import FakeClock
from tests.support.memory_fhir import MemoryFhir
from tests.support.submissions import outbox_item

Q = "https://alliance-panel.org/fhir/Questionnaire/alliance-checkin-therapist"
SLOT = Slot("https://ehr.example/fhir", "Patient/p1", "Encounter/e1", "therapist", Q)


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock(1_000_000.0)
        self.store = SqliteSessionStore(tmp_path / "s.sqlite3", "s" * 40, clock=self.clock)
        self.fhir = MemoryFhir()
        self.client = FhirClient(self.fhir.base, http=self.fhir.session, retries=0)
        self.outbox = Outbox(self.store, lambda _i: self.client, clock=self.clock)
        self.one = OneRating(self.store, self.outbox, ttl=86400, grace=60, clock=self.clock)

    def search(self, slot: Slot = SLOT):
        return lambda: find_stored(self.client, slot)

    def save(self, slot: Slot = SLOT) -> str:
        it = outbox_item()
        held = self.one.claim(slot, it["id"], self.search(slot))
        assert held is None
        self.outbox.submit(it)
        return it["id"]


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def test_a_stored_rating_holds_its_slot(setup: Setup) -> None:
    first = setup.save()
    held = setup.one.claim(SLOT, "another-submission", setup.search())
    assert held is not None and held.submission_id == first and held.qr_id == "qu1"


def test_the_same_submission_again_is_not_a_second_rating(setup: Setup) -> None:
    first = setup.save()
    assert setup.one.claim(SLOT, first, setup.search()) is None


def test_a_queued_rating_holds_its_slot_before_the_store_has_it(setup: Setup) -> None:
    setup.fhir.faults = [None, "503"]  # the search passes, the save is refused
    first = setup.save()
    held = setup.one.claim(SLOT, "another", setup.search())
    assert held is not None and held.queued and held.submission_id == first
    assert setup.one.pending(SLOT) is not None


def test_a_claim_in_progress_holds_its_slot(setup: Setup) -> None:
    assert setup.one.claim(SLOT, "first", setup.search()) is None  # not yet in the outbox
    assert setup.one.claim(SLOT, "second", setup.search()) is not None
    setup.clock.advance(61)  # a save that never reached the outbox (a crash) frees it
    assert setup.one.claim(SLOT, "second", setup.search()) is None


def test_another_rater_or_form_is_allowed(setup: Setup) -> None:
    setup.save()
    client_slot = Slot(SLOT.iss, SLOT.patient, SLOT.encounter, "client", Q)
    other_form = Slot(SLOT.iss, SLOT.patient, SLOT.encounter, "therapist", Q + "-other")
    assert setup.one.claim(client_slot, "x", setup.search(client_slot)) is None
    assert setup.one.claim(other_form, "y", setup.search(other_form)) is None


def test_a_nullified_rating_frees_its_slot(setup: Setup) -> None:
    setup.save()
    for qr in setup.fhir.all("QuestionnaireResponse"):
        qr["status"] = "entered-in-error"
    assert setup.one.claim(SLOT, "new", setup.search()) is None


OWNER = DraftOwner("https://ehr.example/fhir", "Practitioner/pr1", "p1", "e1", "q1")


def test_a_draft_comes_back_only_to_its_owner(tmp_path: Path) -> None:
    clock = FakeClock(0.0)
    drafts = Drafts(SqliteSessionStore(tmp_path / "d.sqlite3", "s" * 40, clock=clock),
                    hours=72, clock=clock)
    drafts.keep(OWNER, "h1", {"item-goal-1": "3", "item-helpful": "notes", "csrf_token": "x"},
                browser_key=None)
    assert drafts.restore(OWNER) == {"item-goal-1": "3", "item-helpful": "notes"}
    for other in (DraftOwner(OWNER.iss, "Practitioner/pr2", "p1", "e1", "q1"),
                  DraftOwner(OWNER.iss, OWNER.practitioner, "p2", "e1", "q1"),
                  DraftOwner(OWNER.iss, OWNER.practitioner, "p1", "e2", "q1")):
        assert drafts.restore(other) is None
    clock.advance(72 * 3600 + 1)
    assert drafts.restore(OWNER) is None


def test_a_save_after_the_launch_ended_keeps_its_answers(tmp_path: Path) -> None:
    clock = FakeClock(0.0)
    drafts = Drafts(SqliteSessionStore(tmp_path / "d.sqlite3", "s" * 40, clock=clock),
                    clock=clock)
    drafts.keep(OWNER, "h1", {}, browser_key="cookie-a")
    late = {"item-goal-1": "4"}
    # a handle rotated out by a hand-off, another browser, no cookie: nothing is kept
    assert drafts.keep_for_handle("h1", "q1", late, browser_key="cookie-a",
                                  rotated_out=True) is None
    assert drafts.keep_for_handle("h1", "q1", late, browser_key="cookie-b",
                                  rotated_out=False) is None
    assert drafts.keep_for_handle("h1", "q1", late, browser_key=None, rotated_out=False) is None
    assert drafts.restore(OWNER) is None
    assert drafts.keep_for_handle("h1", "q1", late, browser_key="cookie-a",
                                  rotated_out=False) == 72 * 3600
    assert drafts.keep_for_handle("h1", "q2", late, browser_key="cookie-a",
                                  rotated_out=False) is None
    assert drafts.keep_for_handle("other", "q1", late, browser_key="cookie-a",
                                  rotated_out=False) is None
    assert drafts.restore(OWNER) == {"item-goal-1": "4"}
    drafts.discard(OWNER)
    assert drafts.restore(OWNER) is None
