"""plugin.recording.handoff: the client hand-off lock, its code and its seal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.handoff import MAX_FAILURES, Handoffs


def handoffs(tmp_path: Path) -> Handoffs:
    return Handoffs(SqliteSessionStore(tmp_path / "s.sqlite3", "k" * 40), "k" * 40, 3600)


def test_hand_off_locks_until_the_code_is_given(tmp_path):
    h = handoffs(tmp_path)
    assert not h.locked("H")
    code = h.start("H", "alliance-checkin-client")
    assert len(code) == 6 and code.isdigit()
    assert h.locked("H") and not h.locked("other")
    with pytest.raises(ValueError):
        h.start("H", "alliance-checkin-client")
    h.submitted("H", "qr-1")
    assert h.current("H").state == "submitted"
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    assert h.unlock("H", wrong) is None and h.locked("H")
    assert h.unlock("other", code) is None
    ended = h.unlock("H", f"{code[:3]} {code[3:]}")
    assert ended is not None and ended.saved == "qr-1"
    assert not h.locked("H")


def test_too_many_wrong_codes_seal_the_lock(tmp_path):
    h = handoffs(tmp_path)
    code = h.start("H", "alliance-checkin-client")
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    for _ in range(MAX_FAILURES):
        assert h.unlock("H", wrong) is None
    assert h.current("H").sealed
    assert h.unlock("H", code) is None and h.locked("H")


def test_the_code_is_not_stored(tmp_path):
    store = SqliteSessionStore(tmp_path / "s.sqlite3", "k" * 40)
    h = Handoffs(store, "k" * 40, 3600)
    code = h.start("H", "alliance-checkin-client")
    assert code not in json.dumps(store.get("handoff", "H"))
