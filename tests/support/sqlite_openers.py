"""A worker opening the app's two shared SQLite files (tests/plugin/launch/test_sqlite_wal.py).

It lives here, not in the test module, so that a forkserver can import it by name: the test
forks its workers from a fresh single-threaded server process, as gunicorn forks from its
single-threaded master. Forked from pytest itself (threads of live servers running SQLite),
a child could inherit SQLite's allocator mutex locked and wait forever, and it kept pytest's
pipe to the Playwright driver open, so the whole run hung at its end.
"""

from __future__ import annotations

import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from plugin.audit.trail import AuditTrail
from plugin.launch.session_store import SqliteSessionStore

KEY = "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq"


def open_both(folder: str, start: Barrier, failures: Queue) -> None:
    start.wait()
    try:
        AuditTrail(Path(folder) / "spool.sqlite3", deliver=lambda events: None)
        SqliteSessionStore(Path(folder) / "sessions.sqlite3", KEY)
    except sqlite3.Error as err:
        failures.put(repr(err))
    else:
        failures.put("")
