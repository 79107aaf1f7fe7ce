"""A throwaway Redis server (Debian's `redis-server`) for one test session: a free loopback
port, no persistence (no RDB snapshots, no AOF), its folder removed after."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.support.processes import ManagedProcess, find_tool, free_port

START_DEADLINE = 20.0  # seconds; well under 1 s on 2 cores


def redis_missing() -> list[str]:
    return [] if find_tool("redis-server") else ["redis-server (apt-get install redis-server)"]


@dataclass
class RedisServer:
    port: int
    process: ManagedProcess

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    binary = find_tool("redis-server")
    assert binary, "call redis_missing() first"
    folder = Path(tempfile.mkdtemp(prefix="alliance-redis-"))
    port = free_port()
    try:
        process = ManagedProcess("redis-server", [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ], folder / "redis.log")
        try:
            process.wait_until(lambda: _answers(port), START_DEADLINE)
            yield RedisServer(port, process)
        finally:
            process.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
