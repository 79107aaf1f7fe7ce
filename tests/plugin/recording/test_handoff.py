"""plugin.recording.handoff: the client's capability, the hand-off lock, its code and its seal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.handoff import MAX_FAILURES, Handoffs


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
