"""A throwaway Redis server (Debian's `redis-server`) for one test session: a free loopback
port, its folder removed after. By default it runs with the settings docs/operations.md
requires (every write appended to its log and flushed: `appendonly yes`, `appendfsync always`;
no RDB snapshots), which the app checks at start-up; `durable=False` runs it without
persistence, as the app refuses. `restart()` kills it abruptly (SIGKILL, as a crash would) and
starts it again on the same port and folder."""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.support.processes import ManagedProcess, find_tool, free_port

START_DEADLINE = 20.0  # seconds; well under 1 s on 2 cores
DURABLE = ("--appendonly", "yes", "--appendfsync", "always")
NOT_DURABLE = ("--appendonly", "no")


def redis_missing() -> list[str]:
    return [] if find_tool("redis-server") else ["redis-server (apt-get install redis-server)"]


@dataclass
class RedisServer:
    port: int
    process: ManagedProcess
    folder: Path
    persistence: tuple[str, ...] = DURABLE

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def restart(self) -> None:
        """A crash and a start: SIGKILL (nothing flushed on the way out), then the same
        command line again."""
        self.process.stop(signal.SIGKILL)
        self.process = _start(self.port, self.folder, self.persistence)


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _start(port: int, folder: Path, persistence: tuple[str, ...]) -> ManagedProcess:
    binary = find_tool("redis-server")
    assert binary, "call redis_missing() first"
    process = ManagedProcess("redis-server", [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
        "--save", "", *persistence, "--daemonize", "no",
    ], folder / "redis.log")
    process.wait_until(lambda: _answers(port), START_DEADLINE)
    return process


@contextmanager
def running_redis(*, durable: bool = True) -> Iterator[RedisServer]:
    folder = Path(tempfile.mkdtemp(prefix="alliance-redis-"))
    persistence = DURABLE if durable else NOT_DURABLE
    try:
        port = free_port()
        server = RedisServer(port, _start(port, folder, persistence), folder, persistence)
        try:
            yield server
        finally:
            server.process.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
