"""A client's one-time link (plugin/recording/client_links.py): bound to one client, session
and form, single use, dead after its time, and never stored in a form that opens it."""

from __future__ import annotations

from pathlib import Path

from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.client_links import KIND, SHOWN_KIND, ClientLinks, digest
from tests.support.clock import FakeClock

KEY = "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy"
HOUR = 3600.0


def links(tmp_path: Path, clock: FakeClock) -> ClientLinks:
    return ClientLinks(SqliteSessionStore(tmp_path / "s.sqlite3", KEY), clock)


def make(made: ClientLinks, patient: str = "p1", encounter: str = "e1") -> str:
    return made.create(iss="https://ehr.example/fhir", patient=patient, encounter=encounter,
                       questionnaire_id="alliance-checkin-client", lifetime=72 * HOUR)


def test_a_link_opens_its_own_client_session_and_form_until_used(tmp_path):
    clock = FakeClock(1_000_000.0)
    store = links(tmp_path, clock)
    capability = make(store)
    link = store.usable(capability)
    assert link is not None and (link.patient, link.encounter) == ("p1", "e1")
    assert link.questionnaire_id == "alliance-checkin-client" and link.state == "waiting"
    assert store.usable(capability) == link  # opening it twice keeps one submission id
    store.used(capability, "qr-1")
    assert store.usable(capability) is None
    assert store.find(capability).state == "used"
    assert [s.state for s in store.for_session("https://ehr.example/fhir", "p1", "e1")] == [
        "used"]


def test_a_link_dies_when_its_time_is_over_and_says_so_to_the_clinician(tmp_path):
    clock = FakeClock(1_000_000.0)
    store = links(tmp_path, clock)
    capability = make(store)
    clock.advance(72 * HOUR - 1)
    assert store.usable(capability) is not None
    clock.advance(1)
    assert store.usable(capability) is None
    assert [s.state for s in store.for_session("https://ehr.example/fhir", "p1", "e1")] == [
        "expired"]


def test_a_guessed_or_altered_link_opens_nothing(tmp_path):
    store = links(tmp_path, FakeClock(1_000_000.0))
    capability = make(store)
    assert store.usable(capability[:-1] + ("A" if capability[-1] != "A" else "B")) is None
    assert store.usable("") is None and store.usable("x" * 10_000) is None


def test_each_session_lists_only_its_own_links(tmp_path):
    store = links(tmp_path, FakeClock(1_000_000.0))
    make(store, "p1", "e1")
    make(store, "p1", "e2")
    make(store, "p2", "e1")
    assert len(store.for_session("https://ehr.example/fhir", "p1", "e1")) == 1
    assert store.for_session("https://other.example/fhir", "p1", "e1") == []


def test_the_store_keeps_the_links_digest_not_the_link(tmp_path):
    session_store = SqliteSessionStore(tmp_path / "s.sqlite3", KEY)
    store = ClientLinks(session_store, FakeClock(1_000_000.0))
    capability = make(store)
    assert session_store.get(KIND, capability) is None
    record = session_store.get(KIND, digest(capability))
    assert record is not None and capability not in str(record)


def test_a_new_link_shown_once_after_the_redirect_and_never_kept_in_the_clear(tmp_path):
    clock = FakeClock(1_000_000.0)
    sessions = SqliteSessionStore(tmp_path / "s.sqlite3", KEY)
    made = ClientLinks(sessions, clock)
    capability = make(made)
    key = made.seal(capability, "handle-1")
    kept = sessions.values(SHOWN_KIND)
    assert kept and capability not in repr(kept) and key not in repr(kept)
    assert made.unseal(key, "someone-else") is None  # another launch's page: nothing
    key = made.seal(capability, "handle-1")
    assert made.unseal(key, "handle-1") == capability
    assert made.unseal(key, "handle-1") is None  # a reload: shown once only
    assert made.unseal("", "handle-1") is None and made.unseal("x" * 500, "handle-1") is None


def test_a_new_link_for_the_same_session_and_form_replaces_the_waiting_one(tmp_path):
    clock = FakeClock(1_000_000.0)
    made = links(tmp_path, clock)
    first = make(made)
    other_session = make(made, encounter="e2")
    second = make(made)
    assert made.usable(first) is None and made.find(first).state == "replaced"
    assert made.usable(second) is not None and made.usable(other_session) is not None
    states = [s.state for s in made.for_session("https://ehr.example/fhir", "p1", "e1")]
    assert states == ["replaced", "waiting"]
