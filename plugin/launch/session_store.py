"""Server-side storage for launches: the browser only ever holds an opaque random handle.

`SessionStore` is the interface every backend implements (SQLite here; PostgreSQL and Redis
beside it). Values are JSON objects, encrypted at rest with a key derived from
ALLIANCE_SECRET_KEY, each with an absolute expiry that the store enforces. Keys are stored
hashed, so a copy of the store does not hand out live handles.

The operations that guard a secret or a single use are atomic in every backend:
- `take` removes and returns a value in one step (a `state` is used once);
- `add` stores a value only when no live one is there (locks, one rating per session);
- `incr` counts in one step (unlock attempts, launches pending per address).
`values` lists the live values of one kind (the outbox resumes from it after a restart).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from cryptography.fernet import Fernet, InvalidToken

from plugin.launch.sqlite_wal import open_wal


class SessionStore(Protocol):
    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None: ...
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def take(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def delete(self, kind: str, key: str) -> None: ...
    def add(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> bool: ...
    def incr(self, kind: str, key: str, ttl: float) -> int: ...
    def values(self, kind: str) -> list[dict[str, Any]]: ...


def fernet_for(secret_key: str) -> Fernet:
    """The at-rest cipher every backend uses, derived from ALLIANCE_SECRET_KEY."""
    digest = hashlib.sha256(b"alliance-panel session store\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def hash_key(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}\x00{key}".encode()).hexdigest()


def open_value(crypto: Fernet, blob: bytes) -> dict[str, Any] | None:
    """Decrypts one stored value; a value written under another secret key counts as gone."""
    try:
        value: dict[str, Any] = json.loads(crypto.decrypt(blob))
    except InvalidToken:
        return None
    return value


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
        self._crypto = fernet_for(secret_key)
        self._clock = clock

    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None:
        blob = self._crypto.encrypt(json.dumps(value).encode())
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE expires < ?", (now,))
            self._db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                (hash_key(kind, key), kind, blob, now + ttl),
            )

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM entries WHERE key = ? AND expires >= ?",
                (hash_key(kind, key), self._clock()),
            ).fetchone()
        return None if row is None else open_value(self._crypto, row[0])

    def take(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "DELETE FROM entries WHERE key = ? RETURNING value, expires",
                (hash_key(kind, key),),
            ).fetchone()
        if row is None or row[1] < self._clock():
            return None
        return open_value(self._crypto, row[0])

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE key = ?", (hash_key(kind, key),))

    def add(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> bool:
        blob = self._crypto.encrypt(json.dumps(value).encode())
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM entries WHERE key = ? AND expires < ?",
                             (hash_key(kind, key), now))
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO entries VALUES (?, ?, ?, ?)",
                (hash_key(kind, key), kind, blob, now + ttl),
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
                current = open_value(self._crypto, row[0]) if row else None
                count = int(current["n"]) + 1 if current else 1
                expires = row[1] if row else now + ttl
                blob = self._crypto.encrypt(json.dumps({"n": count}).encode())
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
                "SELECT value FROM entries WHERE kind = ? AND expires >= ?",
                (kind, self._clock()),
            ).fetchall()
        opened = (open_value(self._crypto, row[0]) for row in rows)
        return [value for value in opened if value is not None]
