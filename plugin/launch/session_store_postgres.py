"""The session store on PostgreSQL (psycopg 3), for several app instances sharing launches.

Same contract as the SQLite store (see plugin/launch/session_store.py): values are Fernet-encrypted
JSON, keys are stored as SHA-256 hashes, and every row carries an absolute `expires` that
every query compares against, so an expired row is never returned even before the periodic
cleanup deletes it. Each operation that must be atomic is one SQL statement:
- `take` is `DELETE ... RETURNING` (two instances racing for one `state`: one row, one winner);
- `add` is `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired` (a live row is never replaced);
- `incr` is an upsert on an integer column (counters hold a count, never a secret).

Connections come from a small pool; each statement runs in autocommit, so no transaction is
held open between requests. The table is created on first use under an advisory lock, so
instances starting together do not race on CREATE TABLE.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from plugin.launch.errors import StoreUnavailable
from plugin.launch.sealing import Sealer, hash_key

TABLE = "alliance_sessions"
CLEANUP_EVERY = 60.0  # seconds between sweeps of expired rows, per store object
CONNECT_TIMEOUT = 5  # seconds
STATEMENT_TIMEOUT_MS = 5000

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    key text PRIMARY KEY,
    kind text NOT NULL,
    value bytea,
    n bigint,
    expires double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_kind ON {TABLE} (kind, expires);
CREATE INDEX IF NOT EXISTS {TABLE}_expires ON {TABLE} (expires);
"""


class PostgresSessionStore:
    def __init__(
        self,
        url: str,
        secret_key: str,
        *,
        clock: Callable[[], float] = time.time,
        pool_size: int = 8,
    ) -> None:
        self._sealer = Sealer(secret_key)
        self._clock = clock
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_TIMEOUT,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            },
            check=ConnectionPool.check_connection,
            timeout=CONNECT_TIMEOUT,
            open=False,
        )
        self._next_cleanup = 0.0
        self._cleanup_lock = threading.Lock()
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
                conn.execute(_SCHEMA)  # a constant, not input
        except (psycopg.Error, OSError, TimeoutError) as err:
            self._pool.close()
            raise StoreUnavailable.wrap("PostgreSQL", err) from err

    def close(self) -> None:
        self._pool.close()

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            with self._pool.connection() as conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        except (psycopg.Error, OSError, TimeoutError) as err:
            raise StoreUnavailable.wrap("PostgreSQL", err) from err

    def _seal(self, kind: str, key: str, value: dict[str, Any]) -> bytes:
        return self._sealer.seal(kind, hash_key(kind, key), value)

    def _open(self, kind: str, row: str, blob: bytes | None, n: int | None
              ) -> dict[str, Any] | None:
        if blob is None:
            return None if n is None else {"n": int(n)}
        return self._sealer.open(kind, row, bytes(blob))

    def _sweep(self, now: float) -> None:
        """Deletes expired rows, at most once a minute per store object."""
        with self._cleanup_lock:
            if now < self._next_cleanup:
                return
            self._next_cleanup = now + CLEANUP_EVERY
        self._run("DELETE FROM alliance_sessions WHERE expires < %s", (now,))

    def put(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> None:
        now = self._clock()
        self._sweep(now)
        self._run(
            "INSERT INTO alliance_sessions (key, kind, value, n, expires)"
            " VALUES (%s, %s, %s, NULL, %s)"
            " ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, value = EXCLUDED.value,"
            " n = NULL, expires = EXCLUDED.expires",
            (hash_key(kind, key), kind, self._seal(kind, key, value), now + ttl),
        )

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        rows = self._run(
            "SELECT value, n FROM alliance_sessions WHERE key = %s AND expires >= %s",
            (hash_key(kind, key), self._clock()),
        )
        return self._open(kind, hash_key(kind, key), *rows[0]) if rows else None

    def take(self, kind: str, key: str) -> dict[str, Any] | None:
        rows = self._run(
            "DELETE FROM alliance_sessions WHERE key = %s RETURNING value, n, expires",
            (hash_key(kind, key),),
        )
        if not rows or rows[0][2] < self._clock():
            return None
        return self._open(kind, hash_key(kind, key), rows[0][0], rows[0][1])

    def delete(self, kind: str, key: str) -> None:
        self._run("DELETE FROM alliance_sessions WHERE key = %s", (hash_key(kind, key),))

    def add(self, kind: str, key: str, value: dict[str, Any], ttl: float) -> bool:
        now = self._clock()
        rows = self._run(
            "INSERT INTO alliance_sessions AS t (key, kind, value, n, expires)"
            " VALUES (%s, %s, %s, NULL, %s)"
            " ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, value = EXCLUDED.value,"
            " n = NULL, expires = EXCLUDED.expires WHERE t.expires < %s"
            " RETURNING 1",
            (hash_key(kind, key), kind, self._seal(kind, key, value), now + ttl, now),
        )
        return bool(rows)

    def incr(self, kind: str, key: str, ttl: float) -> int:
        """Adds one to a counter and returns it; a new counter expires `ttl` from now, and
        counting never extends that."""
        now = self._clock()
        rows = self._run(
            "INSERT INTO alliance_sessions AS t (key, kind, value, n, expires)"
            " VALUES (%s, %s, NULL, 1, %s)"
            " ON CONFLICT (key) DO UPDATE SET"
            " n = CASE WHEN t.expires < %s OR t.n IS NULL THEN 1 ELSE t.n + 1 END,"
            " value = NULL,"
            " expires = CASE WHEN t.expires < %s OR t.n IS NULL THEN EXCLUDED.expires"
            " ELSE t.expires END"
            " RETURNING n",
            (hash_key(kind, key), kind, now + ttl, now, now),
        )
        return int(rows[0][0])

    def values(self, kind: str) -> list[dict[str, Any]]:
        rows = self._run(
            "SELECT key, value, n FROM alliance_sessions WHERE kind = %s AND expires >= %s",
            (kind, self._clock()),
        )
        opened = (self._open(kind, row, blob, n) for row, blob, n in rows)
        return [value for value in opened if value is not None]
