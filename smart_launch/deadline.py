"""A deadline for a whole request: connecting, sending, the headers and the body together.

A socket timeout bounds one read, not an answer: a server that sends one byte every few seconds
never trips a 15 s read timeout and can hold a worker for ever. ``deadline(seconds)`` opens a
scope on the calling thread; every connection of a session passed through ``enforce_deadlines``
that sends a request inside the scope is watched, and when the deadline passes a timer shuts
the connection's socket down. The blocked read then returns at once, whatever stage the answer
was in, and the caller sees ``Deadline.expired``.

Only the default transport (``requests.adapters.HTTPAdapter``) is replaced, by one whose
connections register themselves; another adapter (a test's fake transport) is left alone.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

__all__ = ["Deadline", "DeadlineAdapter", "deadline", "enforce_deadlines"]

_local = threading.local()


class Deadline:
    """One scope's deadline and the connections it watches."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self.expired = False

    def remaining(self) -> float:
        return max(0.0, self._ends - time.monotonic())

    @property
    def passed(self) -> bool:
        """The deadline has come (whether or not the timer has cut anything yet)."""
        return self.expired or self.remaining() <= 0

    def timeout(self, per_read: float) -> float:
        """A socket timeout that never outlasts the deadline (at least a millisecond)."""
        return max(0.001, min(per_read, self.remaining()))

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._watched.append(sock)
            if self.expired:
                _cut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._watched:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    """Shut the socket down under whoever is reading it: the plain socket's shutdown, so a TLS
    socket's state is left to its reader, which then sees the end of the stream. The socket is
    kept from the moment the request was sent: a connection that will close lets go of it
    (``sock = None``) while its response is still being read from it."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def current() -> Deadline | None:
    found = getattr(_local, "deadline", None)
    return found if isinstance(found, Deadline) else None


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """A deadline for the requests this thread sends inside the block."""
    scope = Deadline(seconds)
    outer = current()
    _local.deadline = scope
    timer = threading.Timer(seconds, scope.expire)
    timer.daemon = True
    timer.start()
    try:
        yield scope
    finally:
        timer.cancel()
        _local.deadline = outer


class _Watched:
    """Mixin for urllib3 connections: once a request is sent (connected, so the socket
    exists), its socket is watched by the thread's deadline, if there is one."""

    sock: socket.socket | None

    def request(self, *args: Any, **kwargs: Any) -> None:
        super().request(*args, **kwargs)  # type: ignore[misc]
        scope = current()
        if scope is not None and self.sock is not None:
            scope.watch(self.sock)


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' own transport, with connections that a ``deadline`` scope can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def enforce_deadlines(http: requests.Session) -> requests.Session:
    """Replace ``http``'s default transports by DeadlineAdapter (same retry setting); other
    adapters stay. Idempotent; returns the same session."""
    for prefix, adapter in list(http.adapters.items()):
        if type(adapter) is HTTPAdapter:
            http.mount(prefix, DeadlineAdapter(max_retries=adapter.max_retries))
    return http
