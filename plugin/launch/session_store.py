"""Server-side storage for launches: the browser only ever holds an opaque random handle.

`SessionStore` is the interface every backend implements (SQLite here; PostgreSQL and Redis
beside it). Values are JSON objects, encrypted at rest with a key derived from
ALLIANCE_SECRET_KEY and bound to their kind and key (plugin/launch/sealing.py: a value copied
under another key does not open), each with an absolute expiry that the store enforces. Keys
are stored hashed, so a copy of the store does not hand out live handles.

The operations that guard a secret or a single use are atomic in every backend:
- `take` removes and returns a value in one step (a `state` is used once);
- `add` stores a value only when no live one is there (locks, one rating per session);
- `incr` counts in one step (unlock attempts, launches pending per address).
`values` lists the live values of one kind (the outbox resumes from it after a restart).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from plugin.launch.sealing import Sealer, hash_key
from plugin.launch.sqlite_wal import open_wal

__all__ = ["SessionStore", "SqliteSessionStore", "hash_key"]


class SessionStore(Protocol):
    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None: ...
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def take(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def delete(self, kind: str, key: str) -> None: ...
    def add(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> bool: ...
    def incr(self, kind: str, key: str, ttl: float) -> int: ...
    def values(self, kind: str) -> list[dict[str, Any]]: ...


def _create_private(path: Path) -> None:
    """Creates the database file readable by its owner only (it holds encrypted tokens)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class SqliteSessionStore:
    def __init__(
        self, path: Path, secret_key: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        _create_private(path)
        # Several workers of one host may open it at once (plugin/launch/sqlite_wal.py).
        self._db = open_wal(path, check_same_thread=False, schema=(
            "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL,"
            " value BLOB NOT NULL, expires REAL NOT NULL)",
            "CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind)",
        ))
        self._lock = threading.Lock()
        self._sealer = Sealer(secret_key)
        self._clock = clock

    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None:
        row = hash_key(kind, key)
        blob = self._sealer.seal(kind, row, value)
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE expires < ?", (now,))
            self._db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                (row, kind, blob, now + ttl),
            )

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM entries WHERE key = ? AND expires >= ?",
                (hash_key(kind, key), self._clock()),
            ).fetchone()
        return None if row is None else self._sealer.open(kind, hash_key(kind, key), row[0])

    def take(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "DELETE FROM entries WHERE key = ? RETURNING value, expires",
                (hash_key(kind, key),),
            ).fetchone()
        if row is None or row[1] < self._clock():
            return None
        return self._sealer.open(kind, hash_key(kind, key), row[0])

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE key = ?", (hash_key(kind, key),))

    def add(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> bool:
        row = hash_key(kind, key)
        blob = self._sealer.seal(kind, row, value)
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE key = ? AND expires < ?", (row, now))
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?)", (row, kind, blob, now + ttl),
            )
        return cursor.rowcount == 1

    def incr(self, kind: str, key: str, ttl: float) -> int:
        """Adds one to a counter and returns it; a new counter expires `ttl` from now, and
        counting never extends that."""
        now = self._clock()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM entries WHERE key = ? AND expires < ?",
                                 (hash_key(kind, key), now))
                row = self._db.execute("SELECT value, expires FROM entries WHERE key = ?",
                                       (hash_key(kind, key),)).fetchone()
                current = self._sealer.open(kind, hash_key(kind, key), row[0]) if row else None
                count = int(current["n"]) + 1 if current else 1
                expires = row[1] if row else now + ttl
                blob = self._sealer.seal(kind, hash_key(kind, key), {"n": count})
                self._db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                                 (hash_key(kind, key), kind, blob, expires))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return count

    def values(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value FROM entries WHERE kind = ? AND expires >= ?",
                (kind, self._clock()),
            ).fetchall()
        opened = (self._sealer.open(kind, row[0], row[1]) for row in rows)
        return [value for value in opened if value is not None]
