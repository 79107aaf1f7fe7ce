"""Server-side storage for launches: the browser only ever holds an opaque random handle.

`SessionStore` is the interface (so Redis or PostgreSQL can replace SQLite); values are JSON
objects, encrypted at rest with a key derived from ALLIANCE_SECRET_KEY, each with an expiry.
`take` removes and returns a value in one step, which makes `state` single use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from cryptography.fernet import Fernet, InvalidToken


class SessionStore(Protocol):
    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None: ...
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def take(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def delete(self, kind: str, key: str) -> None: ...


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"alliance-panel session store\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _hash_key(kind: str, key: str) -> str:
    # Keys are stored hashed, so a copy of the database does not hand out live handles.
    return hashlib.sha256(f"{kind}\x00{key}".encode()).hexdigest()


class SqliteSessionStore:
    def __init__(
        self, path: Path, secret_key: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sessions"
            " (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL NOT NULL)"
        )
        self._lock = threading.Lock()
        self._crypto = _fernet(secret_key)
        self._clock = clock

    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None:
        blob = self._crypto.encrypt(json.dumps(value).encode())
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            self._db.execute(
                "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)",
                (_hash_key(kind, key), blob, now + ttl),
            )

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value, expires FROM sessions WHERE key = ?", (_hash_key(kind, key),)
            ).fetchone()
        return self._open(row)

    def take(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "DELETE FROM sessions WHERE key = ? RETURNING value, expires",
                (_hash_key(kind, key),),
            ).fetchone()
        return self._open(row)

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE key = ?", (_hash_key(kind, key),))

    def _open(self, row: tuple[bytes, float] | None) -> dict[str, Any] | None:
        if row is None or row[1] < self._clock():
            return None
        try:
            value: dict[str, Any] = json.loads(self._crypto.decrypt(row[0]))
        except InvalidToken:
            return None  # written under another secret key: treat as gone
        return value
