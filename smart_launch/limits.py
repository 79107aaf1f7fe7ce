"""Bounds on what the app reads from a server, and the pure checks behind them.

``ReadLimits`` holds, per server: the bytes of an answer (as received and after decompression),
the entries of a FHIR Bundle, the nesting depth of its JSON and the deadline of a whole request.
``json_shape`` measures nesting and counts objects and arrays on the raw bytes, before any
decoder sees them: the standard library's json raises RecursionError on deep input (and code
that walks decoded documents recursively would later), and 32 MiB of ``[{},{},...]`` would
decode to some 700 MB of Python objects. At most one object or array per BYTES_PER_CONTAINER
bytes of the byte bound is read, which no FHIR resource comes near (a real one has a few
hundred bytes per object) and which keeps a decoded answer to a few hundred MB at most.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ResponseLimitExceeded

__all__ = ["DEFAULT_LIMITS", "MIB", "ReadLimits", "check_shape", "json_shape", "server_of"]

MIB = 1024 * 1024
BYTES_PER_CONTAINER = 32  # project default: see above


@dataclass(frozen=True)
class ReadLimits:
    """What one answer may be. Defaults are project defaults (docs/security.md says why)."""

    max_bytes: int = 32 * MIB  # received (compressed) and decompressed, each
    max_entries: int = 10_000  # entries of one Bundle (one page of a search)
    max_depth: int = 64  # nested JSON objects and arrays
    deadline: float = 30.0  # seconds for a whole request: connect, headers and body

    def describe_bytes(self) -> str:
        return f"{self.max_bytes / MIB:g} MiB"

    @property
    def max_containers(self) -> int:
        return max(1000, self.max_bytes // BYTES_PER_CONTAINER)


DEFAULT_LIMITS = ReadLimits()

_KEEP = b'[]{}"'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_AS_PARENS = bytes.maketrans(b"[]{}", b"()()")


def json_shape(data: bytes, limit: int) -> tuple[int, int]:
    """How deeply the JSON ``data`` nests objects and arrays (counted up to ``limit + 1``), and
    how many objects and arrays it holds.

    Brackets inside strings do not count. Linear in the size of ``data`` and done in C for the
    most part: the brackets and quotes are kept (escaped quotes and backslashes removed first),
    strings dropped, and innermost ``()`` pairs removed once per level."""
    if b"\\\\" in data:  # an escaped backslash, which could precede a closing quote
        data = data.replace(b"\\\\", b"")
    if b'\\"' in data:
        data = data.replace(b'\\"', b"")
    marks = data.translate(_AS_PARENS, _DROP)
    brackets = marks.replace(b'""', b"")  # exact unless a string holds a bracket
    if b'"' in brackets:  # the k-th quote opens a string when k is even
        brackets = b"".join(marks.split(b'"')[::2])
    containers = brackets.count(b"(")
    for level in range(limit + 1):
        inner = brackets.replace(b"()", b"")
        if inner == brackets:
            return level, containers
        brackets = inner
    return limit + 1, containers


def check_shape(data: bytes, limits: ReadLimits, url: str) -> None:
    """ResponseLimitExceeded when ``data`` nests deeper than max_depth (response_too_deep) or
    holds more objects and arrays than max_containers (response_too_many_entries)."""
    depth, containers = json_shape(data, limits.max_depth)
    if depth > limits.max_depth:
        raise ResponseLimitExceeded(
            f"{server_of(url)} answered JSON nested more than "
            f"{limits.max_depth} levels deep; it was not read", code="response_too_deep", url=url)
    if containers > limits.max_containers:
        raise ResponseLimitExceeded(
            f"{server_of(url)} answered JSON of {containers} "
            f"objects and arrays, more than {limits.max_containers}; it was not read",
            code="response_too_many_entries", url=url)


def server_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL: how a message names a server (no path, no query)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}" if rest else url
