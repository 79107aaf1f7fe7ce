"""Hostile answers for the bounds on reading (smart_launch.limits): huge, compressed into a
bomb, dripped, with 100,000 entries or nested 100,000 deep; and a raw socket server that drips
even its status line, which no werkzeug server can do.

Every body is generated as it is sent (the 100 MB one is never held), and a drip waits on an
event between bytes, so stopping the test ends it at once.
"""

from __future__ import annotations

import json
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from werkzeug.wrappers import Response

MIB = 1024 * 1024
FHIR_JSON = "application/fhir+json"


def huge(size: int = 100 * MIB, *, declared: bool = False) -> Callable[..., Response]:
    """A JSON string of ``size`` spaces, sent in 64 KiB chunks (chunked, or with its length)."""
    chunk, head, tail = b" " * (64 * 1024), b'{"resourceType": "Bundle", "padding": "', b'"}'
    chunks = size // len(chunk)

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(chunks):
            yield chunk
        yield tail

    length = len(head) + chunks * len(chunk) + len(tail)
    headers = {"Content-Length": str(length)} if declared else {}
    return lambda _r: Response(body(), mimetype=FHIR_JSON, headers=headers)


@cache
def bomb_bytes(decoded: int = 400 * MIB) -> bytes:
    """``decoded`` bytes of zeros, gzipped: about a thousandth of that on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * MIB
    return b"".join([*(packer.compress(zeros) for _ in range(decoded // MIB)), packer.flush()])


def gzip_bomb(decoded: int = 400 * MIB) -> Callable[..., Response]:
    # Packed when first served, not when a parametrize list is collected: every process that
    # collects the security tier would pack 400 MiB otherwise, whether it runs the test or not.
    return lambda _r: Response(bomb_bytes(decoded), mimetype=FHIR_JSON,
                               headers={"Content-Encoding": "gzip"})


@dataclass
class Drip:
    """A JSON answer sent one byte every ``every`` seconds, ``total`` bytes in all (far longer
    than any deadline of the tests); ``sent`` counts what got out before the reader let go."""

    total: int = 600
    every: float = 0.1
    stop: threading.Event = field(default_factory=threading.Event)
    sent: int = 0

    def __call__(self, _request: object) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(self.total):
                yield b" "
                self.sent += 1
                if self.stop.wait(self.every):
                    return

        return Response(body(), mimetype=FHIR_JSON)


@cache
def many_entries_bytes(count: int = 100_000) -> bytes:
    entries = [{"resource": {"resourceType": "Encounter", "id": str(i)}} for i in range(count)]
    return json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}).encode()


def many_entries(count: int = 100_000) -> Callable[..., Response]:
    data = many_entries_bytes(count)
    return lambda _r: Response(data, mimetype=FHIR_JSON)


def deep(levels: int = 100_000) -> Callable[..., Response]:
    data = b'{"a": ' * levels + b"1" + b"}" * levels
    return lambda _r: Response(data, mimetype=FHIR_JSON)


class HeaderDrip:
    """A loopback TCP server that answers every connection with a status line sent one byte
    every ``every`` seconds: a per-read timeout never fires on it."""

    def __init__(self, every: float = 0.1) -> None:
        self.every = every
        self.stop = threading.Event()
        self.sent = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 10_000:
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                self.sent += 1
                if self.stop.wait(self.every):
                    return

    def close(self) -> None:
        self.stop.set()
        self._listener.close()


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of Python allocations inside the block, in bytes (``[peak]`` after it)."""
    found: list[int] = []
    tracemalloc.start()
    try:
        yield found
    finally:
        found.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
