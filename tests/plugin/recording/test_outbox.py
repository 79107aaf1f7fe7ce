"""The outbox: written before it is sent, retried with backoff, sent exactly once, resumed after
a restart; and the entry-by-entry path for servers without transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.fhir.client import FhirClient
from plugin.fhir.entry_writes import write_entries
from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.errors import OutboxWaiting
from plugin.recording.outbox import KIND, Outbox, OutboxPolicy
from tests.support.clock import FakeClock
from tests.support.memory_fhir import MemoryFhir
from tests.support.submissions import outbox_item


class World:
    def __init__(self, tmp_path: Path, *, transactions: bool = True) -> None:
        self.clock = FakeClock(1_000_000.0)
        self.fhir = MemoryFhir(transactions=transactions)
        self.path = tmp_path / "sessions.sqlite3"
        self.waiting: str | None = None
        self.outbox = self.open()

    def connect(self, _item: dict) -> FhirClient:
        if self.waiting:
            raise OutboxWaiting(self.waiting)
        return FhirClient(self.fhir.base, http=self.fhir.session, retries=0)

    def open(self) -> Outbox:
        """The app (re)starting on the same session store file."""
        store = SqliteSessionStore(self.path, "s" * 40, clock=self.clock)
        return Outbox(store, self.connect, clock=self.clock, policy=OutboxPolicy(first_retry=2))

    def stored(self) -> tuple[int, int, int]:
        return (len(self.fhir.all("QuestionnaireResponse")), len(self.fhir.all("Observation")),
                len(self.fhir.all("Provenance")))


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_a_save_the_server_takes_is_sent_once(world: World) -> None:
    state = world.outbox.submit(outbox_item())
    assert state["state"] == "sent" and state["qr_id"] == "qu1" and state["via"] == "transaction"
    assert world.stored() == (1, 4, 1)


def test_a_save_the_server_cannot_take_stays_queued_with_the_reason(world: World) -> None:
    world.fhir.faults = ["503"]
    state = world.outbox.submit(outbox_item())
    assert state["state"] == "queued"
    assert state["why"] == "busy"  # the page says it in the clinician's words
    assert state["reason"].startswith("fhir.server_error: ") and "HTTP 503" in state["reason"]
    assert world.stored() == (0, 0, 0)
    assert world.outbox.due() == []  # not before its backoff
    world.clock.advance(2)
    assert world.outbox.run_due() == 1
    assert world.stored() == (1, 4, 1)


def test_an_answer_lost_after_the_server_stored_it_is_not_stored_twice(world: World) -> None:
    world.fhir.faults = ["lost"]
    assert world.outbox.submit(outbox_item())["state"] == "queued"
    assert world.stored() == (1, 4, 1)  # it was stored; the app did not hear so
    world.clock.advance(2)
    world.outbox.run_due()
    assert world.stored() == (1, 4, 1)
    assert world.outbox.items()[0]["state"] == "sent"


def test_retries_back_off(world: World) -> None:
    world.fhir.faults = ["cut"] * 4
    world.outbox.submit(outbox_item())
    waits = []
    for _ in range(4):
        queued = world.outbox.items()[0]
        waits.append(queued["next_try"] - world.clock())
        world.clock.advance(queued["next_try"] - world.clock())
        world.outbox.run_due()
    assert waits == [2, 4, 8, 16]
    assert world.outbox.items()[0]["state"] == "sent"


def test_a_restart_resumes_the_queue(world: World) -> None:
    world.fhir.faults = ["cut"]
    world.outbox.submit(outbox_item())
    restarted = world.open()
    world.clock.advance(5)
    assert restarted.run_due() == 1
    assert world.stored() == (1, 4, 1)


def test_the_queue_is_encrypted_at_rest(world: World) -> None:
    world.fhir.faults = ["cut"]
    world.outbox.submit(outbox_item())
    raw = world.path.read_bytes()
    assert b"goal-1" not in raw and b"Practitioner/pr1" not in raw


def test_a_refusal_no_retry_can_change_fails_with_the_reason(world: World) -> None:
    world.fhir.transport.add("POST", world.fhir.base, (422, {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": "bad answer"}]}))
    state = world.outbox.submit(outbox_item())
    assert state["state"] == "failed"
    assert state["why"] == "refused"
    assert "HTTP 422" in state["reason"] and "bad answer" in state["reason"]
    world.clock.advance(3600)
    assert world.outbox.due() == []


def test_the_same_submission_twice_is_sent_once(world: World) -> None:
    first = outbox_item()
    world.outbox.submit(first)
    sent = len(world.fhir.transport.requests)
    again = world.outbox.submit(first)
    assert again["state"] == "sent" and len(world.fhir.transport.requests) == sent


def test_an_item_another_sender_holds_is_left_alone(world: World) -> None:
    world.fhir.faults = ["cut"]
    it = world.outbox.submit(outbox_item())
    world.outbox._store.add("outbox-lease", it["id"], {"at": 0}, 60)
    world.clock.advance(5)
    assert world.outbox.run_due() == 0
    assert world.stored() == (0, 0, 0)
    world.clock.advance(61)  # a crashed sender's lease runs out
    assert world.outbox.run_due() == 1


def test_an_ended_launch_waits_for_the_next_launch_of_that_practitioner(world: World) -> None:
    world.waiting = "the launch ended"
    state = world.outbox.submit(outbox_item())
    assert state["state"] == "queued" and state["reason"] == "the launch ended"
    assert world.outbox.unsent_for("https://ehr.example/fhir", "p1")[0]["id"] == state["id"]
    assert world.outbox.adopt("https://ehr.example/fhir", "Practitioner/other", "h2") == 0
    assert world.outbox.adopt("https://ehr.example/fhir", "Practitioner/pr1", "h2") == 1
    world.waiting = None
    assert world.outbox.run_due() == 1
    assert world.outbox.unsent_for("https://ehr.example/fhir", "p1") == []


def test_without_transactions_the_entries_go_one_by_one(tmp_path: Path) -> None:
    world = World(tmp_path, transactions=False)
    state = world.outbox.submit(outbox_item(transactions=False))
    assert state["state"] == "sent" and state["via"] == "entries"
    assert world.stored() == (1, 4, 1)
    qr_id = world.fhir.all("QuestionnaireResponse")[0]["id"]
    assert state["qr_id"] == qr_id
    # Each reference names the exact version the server stored (it said so in its answer).
    for obs in world.fhir.all("Observation"):
        assert obs["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr_id}/_history/1"}]
    targets = {t["reference"] for t in world.fhir.all("Provenance")[0]["target"]}
    assert f"QuestionnaireResponse/{qr_id}/_history/1" in targets and len(targets) == 5
    assert all(t.endswith("/_history/1") for t in targets)


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4, 5, 6])
def test_a_retry_after_a_failure_between_entries_completes_the_set(fail_at: int) -> None:
    fhir = MemoryFhir(transactions=False)
    client = FhirClient(fhir.base, http=fhir.session, retries=0)
    b = outbox_item()["bundle"]
    fhir.faults = [None] * (fail_at - 1) + ["cut"]
    with pytest.raises(Exception):  # noqa: B017 - whatever the transport raised
        write_entries(client, b)
    done = len(fhir.all("QuestionnaireResponse") + fhir.all("Observation"))
    assert done == min(fail_at - 1, 5)
    result = write_entries(client, b)
    assert len(fhir.all("QuestionnaireResponse")) == 1
    assert len(fhir.all("Observation")) == 4 and len(fhir.all("Provenance")) == 1
    assert result.requests == 6


def test_a_transaction_server_refusal_is_kept_in_the_queue(world: World) -> None:
    assert world.outbox._store.values(KIND) == []
    world.fhir.faults = ["cut"]
    world.outbox.submit(outbox_item())
    assert len(world.outbox._store.values(KIND)) == 1


def test_a_companion_store_that_gives_no_token_keeps_the_save_queued_and_says_so(
        world: World) -> None:
    """The token request of a companion store failing is the store's failure: queued, in the
    clinician's words, and the outbox goes on with the other items (it once escaped as a
    failed sign-in and stopped the round)."""
    from plugin.fhir.errors import RecordStoreSignInFailed
    from plugin.wording.trouble import unsent

    def no_token() -> str:
        raise RecordStoreSignInFailed("the record store gave no token: invalid_client")

    def connect(item: dict) -> FhirClient:
        if item.get("where") == "companion":
            return FhirClient(world.fhir.base, token=no_token, http=world.fhir.session, retries=0)
        return FhirClient(world.fhir.base, http=world.fhir.session, retries=0)

    outbox = Outbox(world.outbox._store, connect, clock=world.clock)
    state = outbox.submit(outbox_item(where="companion"))
    assert state["state"] == "queued" and state["why"] == "store_unreachable"
    assert unsent(state["why"]) == "the place where ratings are kept could not be reached"
    other = outbox_item()
    outbox._store.put(KIND, other["id"], {**other, "state": "queued", "attempts": 0,
                                          "next_try": 0, "created": 0, "qr_id": None}, 3600)
    world.clock.advance(60)
    assert outbox.run_due() == 1  # the EHR's item is sent; the companion's waits
    assert world.stored() == (1, 4, 1)
