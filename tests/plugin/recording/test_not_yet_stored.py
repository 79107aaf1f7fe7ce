"""The panel's list of ratings not yet stored shows each rating once, though the outbox may send
one while the panel reads the records: read before and after, and compared with the records."""

from __future__ import annotations

from plugin.fhir.record_resources import SUBMISSION_SYSTEM
from plugin.recording.saving import not_yet_stored


def item(item_id: str, created: float, kind: str = "rating") -> dict:
    return {"id": item_id, "kind": kind, "created": created, "state": "queued"}


def response(submission_id: str) -> dict:
    return {"resourceType": "QuestionnaireResponse",
            "identifier": {"system": SUBMISSION_SYSTEM, "value": submission_id}}


def test_an_item_still_unsent_after_the_read_is_listed() -> None:
    waiting = item("a", 1)
    assert not_yet_stored([waiting], [waiting], []) == [waiting]


def test_a_save_sent_during_the_read_and_in_it_is_not_listed_twice() -> None:
    assert not_yet_stored([item("a", 1)], [], [response("a")]) == []


def test_a_save_sent_during_the_read_but_missed_by_it_is_still_listed() -> None:
    """Otherwise it would be shown nowhere: neither in the records read nor as waiting."""
    sent = item("a", 1)
    assert not_yet_stored([sent], [], [response("other")]) == [sent]


def test_a_correction_sent_during_the_read_is_not_listed() -> None:
    assert not_yet_stored([item("c", 1, kind="correction")], [], []) == []


def test_items_queued_during_the_read_are_listed_oldest_first() -> None:
    old, new = item("a", 1), item("b", 2)
    assert not_yet_stored([old], [new, old], []) == [old, new]
