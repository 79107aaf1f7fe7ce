"""Reading an answer's body within ReadLimits: the bytes received and the bytes after
decompression are each counted as they arrive, so a 100 MB answer or a gzip bomb is cut at the
bound instead of filling memory first.

The request is sent with ``stream=True`` and ``Accept-Encoding: gzip, deflate``; the body is read
from the socket undecoded, in chunks, and inflated here with zlib told how much it may produce.
A response that a test's transport already read (no socket behind it) is checked as it is.
"""

from __future__ import annotations

import zlib

import requests
import urllib3.exceptions

from .deadline import Deadline
from .errors import ResponseLimitExceeded, TransportError
from .limits import ReadLimits, server_of

__all__ = ["ACCEPT_ENCODING", "close", "read_body", "too_slow"]

ACCEPT_ENCODING = "gzip, deflate"
CHUNK = 64 * 1024
INFLATE_STEP = 1024 * 1024  # the most zlib produces in one call


def close(response: requests.Response) -> None:
    """Let go of a streamed response (its connection dropped unless it was read to the end);
    a response a test's transport made without a socket has nothing to close."""
    if response.raw is not None:
        response.close()


def too_large(limits: ReadLimits, url: str) -> ResponseLimitExceeded:
    return ResponseLimitExceeded(
        f"{server_of(url)} sent an answer larger than "
        f"{limits.describe_bytes()}; reading stopped there", code="response_too_large", url=url)


def too_slow(scope: Deadline, url: str) -> ResponseLimitExceeded:
    return ResponseLimitExceeded(
        f"{server_of(url)} did not finish its answer within "
        f"{scope.seconds:g} s; the request was cut", code="response_too_slow", url=url)


class _Inflater:
    """Decodes one content coding (identity, gzip or deflate), never producing more than the
    room it is given without raising."""

    def __init__(self, coding: str, limits: ReadLimits, url: str) -> None:
        self.coding, self.limits, self.url = coding, limits, url
        self._zlib: zlib._Decompress | None = None
        if coding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._head = b""  # deflate: the first bytes, until zlib's header can be told apart

    def feed(self, data: bytes, room: int) -> bytes:
        if self.coding == "identity":
            return self._fits(data, room)
        if self.coding == "deflate" and self._zlib is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            wrapped = self._head[0] & 0x0F == 8 and int.from_bytes(self._head[:2], "big") % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        assert self._zlib is not None
        out = []
        try:
            while True:
                step = min(room + 1, INFLATE_STEP)
                piece = self._fits(self._zlib.decompress(data, step), room)
                room -= len(piece)
                out.append(piece)
                data = self._zlib.unconsumed_tail
                if data or len(piece) == step:  # more input, or output still pending
                    continue
                more = self._zlib.eof and self._zlib.unused_data.strip(b"\0")
                if self.coding == "deflate" or not more:
                    break
                data = self._zlib.unused_data  # another gzip member follows
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        except zlib.error as err:
            raise TransportError(f"{server_of(self.url)} sent a "
                                 f"{self.coding} body that does not decompress",
                                 code="unreadable_body") from err
        return b"".join(out)

    def _fits(self, data: bytes, room: int) -> bytes:
        if len(data) > room:
            raise too_large(self.limits, self.url)
        return data


def _coding(response: requests.Response, url: str) -> str:
    codings = [c.strip().lower() for c in response.headers.get("Content-Encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return codings[0]
    raise TransportError(f"{server_of(url)} sent a body encoded as "
                         f"{', '.join(codings)}, which was not asked for", code="unreadable_body")


def read_body(response: requests.Response, limits: ReadLimits, scope: Deadline | None,
              url: str) -> bytes:
    """The body of a response sent with ``stream=True``, within ``limits``; the connection is
    closed when the answer is refused. Raises ResponseLimitExceeded, TransportError, or a
    requests exception for a broken connection."""
    raw = response.raw
    already = getattr(response, "_content_consumed", False)  # read by the session's own code
    if raw is None or not hasattr(raw, "release_conn") or already:  # or a test's transport
        data = response.content or b""
        if len(data) > limits.max_bytes:
            raise too_large(limits, url)
        return data
    try:
        data = _read_all(response, limits, url)
    except urllib3.exceptions.HTTPError as err:
        close(response)
        if scope is not None and scope.passed:
            raise too_slow(scope, url) from err
        timeout = isinstance(err, urllib3.exceptions.ReadTimeoutError)
        raise (requests.ReadTimeout if timeout else requests.ConnectionError)(err) from err
    except (TransportError, OSError) as err:
        close(response)
        if scope is not None and scope.passed:
            raise too_slow(scope, url) from err
        if isinstance(err, OSError):
            raise requests.ConnectionError(err) from err
        raise
    if scope is not None and scope.passed:  # cut short: what arrived may look complete
        close(response)
        raise too_slow(scope, url)
    raw.release_conn()  # read to its end: the connection goes back to the pool
    # Kept where requests keeps a body it read itself, so response.content and .json() work.
    response._content = data
    response._content_consumed = True  # type: ignore[attr-defined]
    return data


def _read_all(response: requests.Response, limits: ReadLimits, url: str) -> bytes:
    length = response.headers.get("Content-Length", "").strip()
    if length.isdigit() and int(length) > limits.max_bytes:
        raise too_large(limits, url)
    inflater = _Inflater(_coding(response, url), limits, url)
    parts: list[bytes] = []
    received = produced = 0
    while True:
        chunk = response.raw.read(CHUNK, decode_content=False)
        if not chunk:
            break
        received += len(chunk)
        if received > limits.max_bytes:
            raise too_large(limits, url)
        piece = inflater.feed(chunk, limits.max_bytes - produced)
        produced += len(piece)
        parts.append(piece)
    return b"".join(parts)
