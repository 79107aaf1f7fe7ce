"""plugin.recording.handoff: the client's capability, the hand-off lock, its code and its seal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.handoff import MAX_FAILURES, Handoffs, session_key


def handoffs(tmp_path: Path) -> Handoffs:
    return Handoffs(SqliteSessionStore(tmp_path / "s.sqlite3", KEY), KEY)


KEY = "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy"


def test_hand_off_locks_until_the_code_is_given(tmp_path):
    h = handoffs(tmp_path)
    assert not h.locked("H")
    code, capability = h.start("H", "alliance-checkin-client", 3600)
    assert len(code) == 6 and code.isdigit() and len(capability) >= 43
    assert h.locked("H") and not h.locked("other")
    with pytest.raises(ValueError):
        h.start("H", "alliance-checkin-client", 3600)
    assert h.for_client(capability)[0] == "H" and h.for_client("nope") is None
    h.submitted("H", capability, "qr-1", 3600)
    assert h.current("H").state == "submitted"
    assert h.for_client(capability) is None  # the capability died with the questionnaire
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    assert h.unlock("H", wrong, 3600) is None and h.locked("H")
    assert h.unlock("other", code, 3600) is None
    ended = h.unlock("H", f"{code[:3]} {code[3:]}", 3600)
    assert ended is not None and ended.saved == "qr-1"
    assert not h.locked("H")


def test_too_many_wrong_codes_seal_the_lock(tmp_path):
    h = handoffs(tmp_path)
    code, capability = h.start("H", "alliance-checkin-client", 3600)
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    for _ in range(MAX_FAILURES):
        assert h.unlock("H", wrong, 3600) is None
    assert h.current("H").sealed
    assert h.unlock("H", code, 3600) is None and h.locked("H")
    assert h.for_client(capability) is None


def test_the_code_is_forgotten_once_the_client_has_the_questions(tmp_path):
    store = SqliteSessionStore(tmp_path / "s.sqlite3", KEY)
    h = Handoffs(store, KEY)
    code, capability = h.start("H", "alliance-checkin-client", 3600)
    assert h.current("H").code == code and not h.current("H").client_has_it
    h.client_opened("H", 3600)
    assert code not in json.dumps(store.get("handoff", "H"))
    assert capability not in json.dumps(store.get("handoff", "H"))
    assert h.current("H").client_has_it
    assert h.unlock("H", code, 3600) is not None


def test_a_new_launch_for_the_session_closes_only_its_open_hand_offs(tmp_path):
    h = handoffs(tmp_path)
    session = session_key("https://ehr/fhir", "Practitioner/p1", "p1", "e1")
    assert session and session != session_key("https://ehr/fhir", "Practitioner/p1", "p1", "e2")
    assert session_key("https://ehr/fhir", None, "p1", "e1") is None
    _, open_link = h.start("A", "alliance-checkin-client", 3600, session)
    _, sent_link = h.start("B", "alliance-checkin-client", 3600, session)
    h.submitted("B", sent_link, "qr-1", 3600)
    _, other_link = h.start("C", "alliance-checkin-client", 3600, "another-session")
    assert h.end_for_session(session, lambda handle: 3600.0) == 1
    assert h.for_client(open_link) is None and h.closed_before_sent(open_link)
    assert h.current("A").state == "closed" and h.current("A").code is None
    assert h.current("B").state == "submitted" and not h.closed_before_sent(sent_link)
    assert h.for_client(other_link) is not None  # another session's hand-off stays open
    assert h.end_for_session(session, lambda handle: 3600.0) == 0
