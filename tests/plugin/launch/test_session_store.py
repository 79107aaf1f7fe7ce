"""The server-side session store: single-use take, expiry, encryption at rest."""

from __future__ import annotations

from plugin.launch.session_store import SqliteSessionStore


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


def test_add_stores_only_when_nothing_live_is_there(tmp_path):
    clock = Clock()
    store = SqliteSessionStore(tmp_path / "s.db", "k" * 32, clock=clock)
    assert store.add("lock", "a", {"owner": 1}, ttl=10) is True
    assert store.add("lock", "a", {"owner": 2}, ttl=10) is False
    assert store.get("lock", "a") == {"owner": 1}
    clock.now += 11
    assert store.add("lock", "a", {"owner": 3}, ttl=10) is True
    assert store.get("lock", "a") == {"owner": 3}


def test_incr_counts_from_one_and_never_extends_its_expiry(tmp_path):
    clock = Clock()
    store = SqliteSessionStore(tmp_path / "s.db", "k" * 32, clock=clock)
    assert [store.incr("tries", "h", ttl=60) for _ in range(3)] == [1, 2, 3]
    clock.now += 59
    assert store.incr("tries", "h", ttl=60) == 4
    clock.now += 2
    assert store.incr("tries", "h", ttl=60) == 1


def test_incr_is_atomic_across_threads_and_connections(tmp_path):
    import threading

    stores = [SqliteSessionStore(tmp_path / "s.db", "k" * 32) for _ in range(4)]
    results: list[int] = []
    lock = threading.Lock()

    def count(store):
        for _ in range(25):
            n = store.incr("tries", "h", ttl=60)
            with lock:
                results.append(n)

    threads = [threading.Thread(target=count, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 101))


def test_values_lists_live_values_of_one_kind(tmp_path):
    clock = Clock()
    store = SqliteSessionStore(tmp_path / "s.db", "k" * 32, clock=clock)
    store.put("outbox", "1", {"n": 1}, ttl=100)
    store.put("outbox", "2", {"n": 2}, ttl=10)
    store.put("launch", "1", {"n": 3}, ttl=100)
    assert sorted(v["n"] for v in store.values("outbox")) == [1, 2]
    clock.now += 11
    assert [v["n"] for v in store.values("outbox")] == [1]


def test_database_file_is_private_to_its_owner(tmp_path):
    path = tmp_path / "s.db"
    SqliteSessionStore(path, "k" * 32)
    assert path.stat().st_mode & 0o077 == 0
