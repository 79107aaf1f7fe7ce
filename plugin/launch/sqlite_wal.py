"""Opening a SQLite file that several processes share (gunicorn workers of one host), in WAL
mode, with its tables created once.

Why a lock: turning a new database into WAL mode needs an exclusive lock, and when two
processes try at the same moment SQLite detects a deadlock and answers "database is locked" at
once, without waiting out the busy timeout. Two workers starting together on a fresh data
folder then lose one, and gunicorn stops the whole instance when a worker fails to boot. So
the mode change and the schema run under an advisory lock on `<file>.lock` (fcntl.flock, as
the audit log's appends do), one process after another; once a file is in WAL mode, readers
and writers share it as usual.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path


def open_wal(path: Path, *, timeout: float = 5.0, schema: Sequence[str] = (),
             check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection to `path` (autocommit) in WAL mode, after `schema` (idempotent statements,
    e.g. CREATE TABLE IF NOT EXISTS) ran; `timeout`: how long a write waits for another."""
    lock = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = sqlite3.connect(str(path), timeout=timeout, isolation_level=None,
                             check_same_thread=check_same_thread)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            for statement in schema:
                db.execute(statement)
        except sqlite3.Error:
            db.close()
            raise
        return db
    finally:
        os.close(lock)  # closing the descriptor releases the lock
