"""A throwaway PostgreSQL server (Debian's `postgresql` package) for one test session.

initdb into a fresh folder and `postgres` on a free loopback port, both as the `postgres` user
when the tests run as root (postgres refuses to run as root); fsync off, since the data dies
with the session. `running_postgres()` yields the server and stops it (fast shutdown) after.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.processes import ManagedProcess, find_tool, free_port

START_DEADLINE = 60.0  # seconds; about 2 s on 2 cores
PG_GLOB = "/usr/lib/postgresql/*/bin/"
DATABASE = "alliance"


def postgres_missing() -> list[str]:
    missing = []
    tools = [find_tool(name, PG_GLOB + name) for name in ("initdb", "postgres")]
    if not all(tools):
        missing.append("PostgreSQL (apt-get install postgresql)")
    elif os.geteuid() == 0 and not _has_postgres_user():
        missing.append("the postgres system user (apt-get install postgresql creates it)")
    return missing


def _has_postgres_user() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


@dataclass
class PostgresServer:
    port: int
    folder: Path
    process: ManagedProcess

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def stop(self) -> None:
        pid_file = self.folder / "data" / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = None
        self.process.stop(signal.SIGINT, pid=pid)  # SIGINT: postgres's fast shutdown


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    initdb = find_tool("initdb", PG_GLOB + "initdb")
    postgres = find_tool("postgres", PG_GLOB + "postgres")
    assert initdb and postgres, "call postgres_missing() first"
    # Directly under /tmp: pytest's own tmp folders are private to root, and postgres runs
    # as its own user.
    folder = Path(tempfile.mkdtemp(prefix="alliance-pg-"))
    data, log = folder / "data", folder / "postgres.log"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        subprocess.run(  # noqa: S603
            _as_postgres([initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                          "--no-sync", "-E", "UTF8"]),
            check=True, capture_output=True, timeout=120,
        )
        port = free_port()  # after initdb (seconds), just before postgres binds it
        process = ManagedProcess("postgres", _as_postgres([
            postgres, "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(folder),
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200",
        ]), log)
        server = PostgresServer(port, folder, process)
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        process.wait_until(lambda: _answers(admin), START_DEADLINE)
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
