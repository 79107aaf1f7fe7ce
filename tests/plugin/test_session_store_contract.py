"""One contract for every session store backend: SQLite, PostgreSQL and Redis (real servers,
started by tests/support; skipped loudly on a machine without them, failed under CI=true).

Each test opens several store objects on one backend (separate connections, as separate app
instances have) and checks what instances rely on: a `state` taken once across instances,
`add` and `incr` atomic under concurrent threads, expiry enforced by the store itself, nothing
readable at rest, and the live values of one kind listed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from plugin.launch.session_store import SessionStore, hash_key
from plugin.launch.store_from_url import open_session_store
from tests.support.postgres import PostgresServer, postgres_missing, running_postgres
from tests.support.processes import poll_event, require_tools
from tests.support.redis_server import RedisServer, redis_missing, running_redis

SECRET = "k" * 32
EXPIRY_DEADLINE = 10.0  # seconds to wait for a short-lived value to disappear


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    require_tools("PostgreSQL session store tests", postgres_missing())
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    require_tools("Redis session store tests", redis_missing())
    with running_redis() as server:
        yield server


@dataclass
class Backend:
    name: str
    open: Callable[..., SessionStore]  # a new store object, its own connection(s)
    raw: Callable[[], bytes]  # everything the backend holds at rest
    # copy(kind, key, to_kind, to_key): the stored row, copied as is (someone with write access)
    copy: Callable[[str, str, str, str], None]


def _sqlite(tmp_path: Path) -> Backend:
    def raw() -> bytes:
        return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("sessions.sqlite3*")))

    def copy(kind: str, key: str, to_kind: str, to_key: str) -> None:
        with sqlite3.connect(tmp_path / "sessions.sqlite3") as conn:
            conn.execute("INSERT OR REPLACE INTO entries SELECT ?, ?, value, expires FROM entries"
                         " WHERE key = ?", (hash_key(to_kind, to_key), to_kind,
                                            hash_key(kind, key)))

    return Backend("sqlite", lambda key=SECRET: open_session_store(None, key, tmp_path), raw,
                   copy)


def _postgres(server: PostgresServer) -> Backend:
    with server.connect() as conn:
        conn.execute("DROP TABLE IF EXISTS alliance_sessions")

    def raw() -> bytes:
        with server.connect() as conn:
            rows = conn.execute("SELECT t::text FROM alliance_sessions t").fetchall()
        return "\n".join(r[0] for r in rows).encode()

    def copy(kind: str, key: str, to_kind: str, to_key: str) -> None:
        with server.connect() as conn:
            conn.execute("INSERT INTO alliance_sessions (key, kind, value, n, expires)"
                         " SELECT %s, %s, value, n, expires FROM alliance_sessions WHERE key = %s"
                         " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                         (hash_key(to_kind, to_key), to_kind, hash_key(kind, key)))

    return Backend("postgresql", lambda key=SECRET: open_session_store(server.url, key, Path()),
                   raw, copy)


def _redis(server: RedisServer) -> Backend:
    client = server.client()
    client.flushdb()

    def raw() -> bytes:
        chunks: list[bytes] = []
        for name in client.scan_iter():
            chunks.append(name)
            kind = client.type(name)
            if kind == b"string":
                chunks.append(client.get(name) or b"")
            elif kind == b"zset":
                chunks.extend(client.zrange(name, 0, -1))
        return b"\n".join(chunks)

    def copy(kind: str, key: str, to_kind: str, to_key: str) -> None:
        name = f"alliance:v:{hash_key(to_kind, to_key)}"
        client.set(name, client.get(f"alliance:v:{hash_key(kind, key)}") or b"", ex=60)
        client.zadd(f"alliance:i:{to_kind}", {name: time.time() + 60})

    return Backend("redis", lambda key=SECRET: open_session_store(server.url, key, Path()), raw,
                   copy)


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "postgresql":
        made = _postgres(request.getfixturevalue("postgres"))
    elif request.param == "redis":
        made = _redis(request.getfixturevalue("redis_server"))
    else:
        made = _sqlite(tmp_path)
    opened: list[SessionStore] = []

    def open_(key: str = SECRET) -> SessionStore:
        opened.append(made.open(key))
        return opened[-1]

    yield Backend(made.name, open_, made.raw, made.copy)
    for store in opened:
        getattr(store, "close", lambda: None)()


def _race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Runs the workers in threads released together; returns their results."""
    start = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(i: int) -> None:
        start.wait()
        results[i] = workers[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _until_gone(read: Callable[[], Any]) -> float:
    """Polls `read` until it returns nothing; the seconds that took (fails at the deadline)."""
    start = time.monotonic()
    while read():
        assert time.monotonic() - start < EXPIRY_DEADLINE, "the value never expired"
        poll_event(0.05)
    return time.monotonic() - start


def test_a_state_is_taken_once_across_instances(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    for round_ in range(5):
        a.put("state", f"s{round_}", {"launch": round_}, ttl=60)
        key = f"s{round_}"
        got = _race([lambda s=s, k=key: s.take("state", k) for s in (a, b) * 4])
        assert [g for g in got if g is not None] == [{"launch": round_}]
    assert b.get("state", "s0") is None


def test_add_has_one_winner_across_threads_and_connections(backend: Backend) -> None:
    stores = [backend.open() for _ in range(4)]
    got = _race([lambda s=s, i=i: s.add("lock", "refresh", {"owner": i}, ttl=60)
                 for i, s in enumerate(stores * 3)])
    assert got.count(True) == 1
    winner = got.index(True)
    assert stores[0].get("lock", "refresh") == {"owner": winner}


def test_incr_counts_every_call_once_across_threads_and_connections(backend: Backend) -> None:
    stores = [backend.open() for _ in range(4)]

    def count(store: SessionStore) -> list[int]:
        return [store.incr("tries", "h", ttl=60) for _ in range(25)]

    got = _race([lambda s=s: count(s) for s in stores * 2])
    assert sorted(n for batch in got for n in batch) == list(range(1, 201))


def test_the_store_forgets_expired_values(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    a.put("launch", "short", {"v": 1}, ttl=0.5)
    a.put("launch", "long", {"v": 2}, ttl=60)
    assert b.get("launch", "short") == {"v": 1}
    _until_gone(lambda: b.get("launch", "short"))
    assert b.take("launch", "short") is None
    assert b.values("launch") == [{"v": 2}]
    assert a.add("launch", "short", {"v": 3}, ttl=60) is True
    assert b.get("launch", "short") == {"v": 3}


def test_counting_never_extends_a_counter(backend: Backend) -> None:
    store = backend.open()
    assert store.incr("tries", "h", ttl=1.0) == 1
    first = time.monotonic()
    while (n := store.incr("tries", "h", ttl=1.0)) != 1:
        assert n > 1
        assert time.monotonic() - first < EXPIRY_DEADLINE, "the counter never expired"
        poll_event(0.05)
    assert time.monotonic() - first >= 0.9


def test_nothing_readable_at_rest_and_another_key_opens_nothing(backend: Backend) -> None:
    store = backend.open()
    store.put("launch", "handle-1", {"access_token": "very-secret-token"}, ttl=60)
    store.put("outbox", "save-1", {"answer": "private answer text"}, ttl=60)
    store.incr("tries", "handle-1", ttl=60)
    raw = backend.raw()
    assert raw, "the backend holds the values somewhere"
    for secret in (b"very-secret-token", b"handle-1", b"save-1", b"private answer text"):
        assert secret not in raw
    other = backend.open("z" * 32)
    assert other.get("launch", "handle-1") is None
    assert other.values("outbox") == []
    assert store.get("launch", "handle-1") == {"access_token": "very-secret-token"}


def test_values_lists_the_live_values_of_one_kind(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    a.put("outbox", "1", {"n": 1}, ttl=60)
    a.put("outbox", "2", {"n": 2}, ttl=60)
    a.put("outbox", "3", {"n": 3}, ttl=0.5)
    a.put("launch", "1", {"n": 4}, ttl=60)
    assert sorted(v["n"] for v in b.values("outbox")) == [1, 2, 3]
    _until_gone(lambda: len(b.values("outbox")) == 3)
    assert sorted(v["n"] for v in b.values("outbox")) == [1, 2]
    b.delete("outbox", "1")
    assert a.take("outbox", "2") == {"n": 2}
    a.put("outbox", "5", {"n": 5}, ttl=60)
    a.put("outbox", "5", {"n": 6}, ttl=60)
    assert b.values("outbox") == [{"n": 6}]
    assert b.values("launch") == [{"n": 4}]


def test_kinds_do_not_collide(backend: Backend) -> None:
    store = backend.open()
    store.put("state", "x", {"kind": "state"}, ttl=60)
    store.put("launch", "x", {"kind": "launch"}, ttl=60)
    assert store.take("state", "x") == {"kind": "state"}
    assert store.get("launch", "x") == {"kind": "launch"}


def test_a_value_copied_under_another_key_or_kind_does_not_open(backend: Backend) -> None:
    store = backend.open()
    store.put("launch", "handle-a", {"context": "a"}, ttl=60)
    backend.copy("launch", "handle-a", "launch", "handle-b")
    backend.copy("launch", "handle-a", "outbox", "item-1")
    assert store.get("launch", "handle-b") is None
    assert store.take("launch", "handle-b") is None
    assert store.get("outbox", "item-1") is None and store.values("outbox") == []
    assert store.get("launch", "handle-a") == {"context": "a"}
