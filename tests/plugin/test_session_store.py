"""The server-side session store: single-use take, expiry, encryption at rest."""

from __future__ import annotations

from plugin.session_store import SqliteSessionStore


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_take_is_single_use(tmp_path):
    store = SqliteSessionStore(tmp_path / "s.db", "k" * 32)
    store.put("state", "abc", {"v": 1}, ttl=60)
    assert store.take("state", "abc") == {"v": 1}
    assert store.take("state", "abc") is None


def test_values_expire(tmp_path):
    clock = Clock()
    store = SqliteSessionStore(tmp_path / "s.db", "k" * 32, clock=clock)
    store.put("launch", "h", {"v": 1}, ttl=60)
    clock.now += 59
    assert store.get("launch", "h") == {"v": 1}
    clock.now += 2
    assert store.get("launch", "h") is None


def test_nothing_readable_at_rest_and_other_keys_cannot_open_it(tmp_path):
    path = tmp_path / "s.db"
    store = SqliteSessionStore(path, "k" * 32)
    store.put("launch", "handle-1", {"access_token": "very-secret-token"}, ttl=60)
    raw = path.read_bytes() + (tmp_path / "s.db-wal").read_bytes()
    assert b"very-secret-token" not in raw and b"handle-1" not in raw
    assert SqliteSessionStore(path, "z" * 32).get("launch", "handle-1") is None


def test_kinds_do_not_collide(tmp_path):
    store = SqliteSessionStore(tmp_path / "s.db", "k" * 32)
    store.put("state", "x", {"kind": "state"}, ttl=60)
    store.put("launch", "x", {"kind": "launch"}, ttl=60)
    assert store.get("state", "x") == {"kind": "state"}
    assert store.get("launch", "x") == {"kind": "launch"}
