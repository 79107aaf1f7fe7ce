"""The client's own answers, however they came (a hand-off on the clinician's device, a link on
their own phone, their patient portal), are one rating like any other: one per session, rater
and form across every channel, queued in the outbox when the store is down and sent once, and
corrected like any rating while keeping how they came."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import pytest

import fhir_profiles
from plugin.fhir.client import FhirClient
from plugin.fhir.readers import channel_of
from plugin.fhir.record_bundles import build_correction_bundle, build_submission_bundle
from plugin.fhir.stores import RecordStore
from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.catalogue import build_form
from plugin.recording.drafts import Drafts
from plugin.recording.one_rating import OneRating
from plugin.recording.outbox import Outbox, OutboxPolicy
from plugin.recording.saving import Saving, Who
from plugin.recording.submission import correction, new_submission
from plugin.wording import channels
from plugin.wording import panel as panel_words
from tests.support.clock import FakeClock
from tests.support.memory_fhir import MemoryFhir

EHR = "https://ehr.example/fhir"
FORM = build_form(fhir_profiles.questionnaire("alliance-checkin-client"), [])
URL = str(FORM.questionnaire["url"])
ANSWERS = {"goal-1": "4", "goal-2": "3", "task-1": "2", "task-2": "1", "bond-1": "4",
           "bond-2": "2"}
CHANNELS = ("handoff", "link", "portal")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)


class Clinic:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock(1_000_000.0)
        self.fhir = MemoryFhir()
        client = FhirClient(self.fhir.base, http=self.fhir.session, retries=0)
        sessions = SqliteSessionStore(tmp_path / "s.sqlite3", "s" * 40, clock=self.clock)
        outbox = Outbox(sessions, lambda _item: client, clock=self.clock,
                        policy=OutboxPolicy(first_retry=2))
        self.outbox = outbox
        self.saving = Saving(outbox, OneRating(sessions, outbox, ttl=86400, clock=self.clock),
                             Drafts(sessions, clock=self.clock))
        self.store = RecordStore(client, "ehr", "the EHR", True, EHR)
        self.who = Who(EHR, "h1", None, "p1", "e1")

    def answer(self, channel: str, answers: dict[str, str] | None = None) -> Any:
        """The client's answers for session e1, sent the way ``channel`` sends them."""
        submission_id = str(uuid.uuid4())
        sub = new_submission(FORM, answers or ANSWERS, patient="Patient/p1",
                             encounter="Encounter/e1", author="Patient/p1", enterer=None,
                             submission_id=submission_id, organization=None,
                             now=lambda: NOW, channel=channel)
        return self.saving.save(self.store, self.who, build_submission_bundle(sub),
                                rater="client", questionnaire_url=URL,
                                submission_id=submission_id, origin=channel)

    def stored(self) -> list[dict[str, Any]]:
        return [qr for qr in self.fhir.all("QuestionnaireResponse")
                if qr["status"] in ("completed", "amended")]


@pytest.mark.parametrize("first", CHANNELS)
@pytest.mark.parametrize("second", CHANNELS)
def test_one_client_rating_per_session_whatever_channel_each_came_by(
        tmp_path: Path, first: str, second: str) -> None:
    clinic = Clinic(tmp_path)
    saved = clinic.answer(first)
    assert saved.state == "sent"
    again = clinic.answer(second, {**ANSWERS, "bond-1": "0"})
    assert again.state == "taken" and again.existing is not None
    assert again.existing.qr_id == saved.qr_id
    [stored] = clinic.stored()
    assert channel_of(stored) == first


@pytest.mark.parametrize("channel", ["link", "portal"])
def test_a_queued_answer_holds_the_session_and_is_sent_once(tmp_path: Path,
                                                            channel: str) -> None:
    clinic = Clinic(tmp_path)
    clinic.fhir.faults = [None, "503"]  # the slot's search passes, the save is refused
    queued = clinic.answer(channel)
    assert queued.state == "queued"
    [item] = clinic.outbox.items()
    assert item["origin"] == channel and item["rater"] == "client"
    # a hand-off for the same session while the link's answers wait: refused, not a second
    waiting = clinic.answer("handoff")
    assert waiting.state == "taken" and waiting.existing is not None and waiting.existing.queued
    clinic.clock.advance(3600)
    clinic.outbox.run_due()
    clinic.outbox.run_due()
    [stored] = clinic.stored()
    assert channel_of(stored) == channel and stored["author"] == {"reference": "Patient/p1"}


@pytest.mark.parametrize("channel", ["link", "portal"])
def test_a_correction_of_the_clients_own_answers_keeps_how_they_came(
        tmp_path: Path, channel: str) -> None:
    clinic = Clinic(tmp_path)
    saved = clinic.answer(channel)
    qr = clinic.fhir.current("QuestionnaireResponse", str(saved.qr_id))
    observations = clinic.fhir.all("Observation")
    fixed = correction(qr, FORM, "client", qr["identifier"]["value"], {**ANSWERS, "bond-1": "1"},
                       corrector="Practitioner/pr1", reason="client asked to change bond-1",
                       organization=None, now=lambda: NOW)
    outcome = clinic.saving.change(clinic.store, clinic.who,
                                   build_correction_bundle(fixed, qr, "1", observations),
                                   kind="correction", rater="client", encounter="e1")
    assert outcome.state == "sent"
    [stored] = clinic.stored()
    assert stored["status"] == "amended" and channel_of(stored) == channel
    assert stored["author"] == {"reference": "Patient/p1"}
    bond = next(o for o in clinic.fhir.all("Observation")
                if o["code"]["coding"][0]["code"] == "bond")
    assert bond["valueQuantity"]["value"] == 3  # bond-1 1 + bond-2 2


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_client_channel_has_its_words_in_the_list_of_ratings_not_yet_stored(
        channel: str) -> None:
    item = {"origin": channel, "kind": "rating", "rater": "client"}
    assert channels.client_own_answers(item).startswith("The client's own answers")
    assert "enter it again" not in (channels.answer_again(item) or "enter it again")
    assert channels.client_own_answers({"origin": "clinician", "rater": "therapist"}) is None


def test_a_portal_answer_waiting_in_the_outbox_is_listed_as_the_clients_own() -> None:
    item = {"origin": "portal", "kind": "rating", "rater": "client"}
    assert panel_words.unsent_what(item) == channels.CLIENT_OWN["portal"]
    assert "enter it again" not in panel_words.not_stored_then(item, "The EHR refused it")
