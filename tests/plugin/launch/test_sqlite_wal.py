"""Several workers of one host open the same fresh SQLite file at once (the audit spool, the
SQLite session store) and every one of them starts: a second opener waits while the first
turns the file into WAL mode, rather than failing with "database is locked" (which made
gunicorn stop a whole instance)."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading

from plugin.launch.sqlite_wal import open_wal
from tests.support.sqlite_openers import open_both

SCHEMA = ("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)",)


def test_an_opener_waits_while_another_process_sets_the_file_up(tmp_path):
    path = tmp_path / "spool.sqlite3"
    held = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)  # another worker, half-way through its set-up
    opened: list[sqlite3.Connection] = []
    opener = threading.Thread(target=lambda: opened.append(
        open_wal(path, schema=SCHEMA, check_same_thread=False)))
    opener.start()
    opener.join(timeout=0.5)
    assert opener.is_alive() and not opened, "opened while the set-up lock was held"
    os.close(held)
    opener.join(timeout=10)
    assert opened and opened[0].execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    opened[0].execute("INSERT INTO t DEFAULT VALUES")


def test_eight_workers_starting_together_on_a_fresh_folder_all_start(tmp_path):
    # Forked from a fresh single-threaded process, as gunicorn forks its workers (see
    # tests/support/sqlite_openers.py for why not from pytest).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.support.sqlite_openers"])
    for round_ in range(6):
        folder = tmp_path / str(round_)
        folder.mkdir()
        start, failures = context.Barrier(8), context.Queue()
        workers = [context.Process(target=open_both, args=(str(folder), start, failures))
                   for _ in range(8)]
        try:
            for worker in workers:
                worker.start()
            outcomes = [failures.get(timeout=60) for _ in workers]
        finally:
            for worker in workers:
                worker.join(timeout=10)
                if worker.is_alive():
                    worker.kill()
        assert not any(outcomes), outcomes
