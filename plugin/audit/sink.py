"""The local audit sink: an append-only JSON-lines file whose lines form a keyed MAC chain.

Every line is sealed with HMAC-SHA256 under a key from the audit key folder (chain_keys.py) and
names the seal of the line before it; the first keyed line (the genesis) starts from a random
anchor, so two logs never share a chain (line formats: chain.py). After each append the sink
writes a signed witness of the log's end: ``<log>.head`` beside the log and, when a checkpoint
folder is configured, ``<checkpoint folder>/<log name>.checkpoint``, which the verifier
(chain_verify.py) compares so that cut, emptied or rebuilt logs are found even by someone who
holds the key but cannot write the checkpoint folder.

Appends are serialised by a lock and an advisory file lock (several threads or processes may
write); each batch is flushed and fsynced before ``append`` returns. Every file is 0600.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from plugin.audit.chain import (
    Witness,
    canonical,
    checkpoint_path,
    default_key_folder,
    head_path,
    keyed_line,
    now_text,
)
from plugin.audit.chain_keys import AuditKeys, KeyRing, write_private
from plugin.audit.errors import AuditSinkError

log = logging.getLogger(__name__)


def open_private(path: Path) -> IO[str]:
    """The file opened for appending and reading, created 0600 and kept so."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    if os.fstat(fd).st_mode & 0o077:
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, "a+", encoding="utf-8")


@dataclass
class _Tail:
    seq: int
    prev: str
    kid: str | None  # None: the log is empty or its last line is unkeyed


class JsonLinesSink:
    """Appends AuditEvents (dicts) to ``path``; ``chain_verify.check_chain`` checks it."""

    def __init__(self, path: Path, *, keys: Path | None = None,
                 checkpoints: Path | None = None) -> None:
        self.path = Path(path)
        self.keys = AuditKeys(keys or default_key_folder(self.path))
        self.checkpoints = Path(checkpoints) if checkpoints else None
        self._lock = threading.Lock()
        self._anchor: str | None = None

    @property
    def head_path(self) -> Path:
        return head_path(self.path)

    def append(self, event: dict[str, Any]) -> int:
        """Write one event durably; its sequence number. Raises AuditSinkError, never drops."""
        return self.append_many([event])

    def append_many(self, events: Sequence[dict[str, Any]]) -> int:
        """Write events durably with one fsync; the last sequence number."""
        with self._lock:
            try:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                ring = self.keys.ensure()
                with open_private(self.path) as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    try:
                        tail = self._tail(handle)
                        records = self._chain(handle, tail, ring, events)
                        handle.seek(0, os.SEEK_END)
                        handle.write("".join(canonical(r) + "\n" for r in records))
                        handle.flush()
                        os.fsync(handle.fileno())
                        last = records[-1]
                        self._witness(Witness(self._anchor or "", last["seq"], last["mac"],
                                              ring.active, now_text()), ring)
                    finally:
                        fcntl.flock(handle, fcntl.LOCK_UN)
            except OSError as err:
                raise AuditSinkError(
                    f"cannot append to the audit log {self.path}: {err.strerror}") from err
            return int(records[-1]["seq"])

    def _chain(self, handle: IO[str], tail: _Tail, ring: KeyRing,
               events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The new lines: a genesis first when the log has no keyed line yet, a key change
        when the key was rotated, then the events."""
        seq, prev = tail.seq, tail.prev
        records: list[dict[str, Any]] = []
        if tail.kid is None:
            self._anchor = secrets.token_hex(32)
            body: dict[str, Any] = {"genesis": {"anchor": self._anchor, "created": now_text()}}
            records.append(keyed_line(seq + 1, prev if seq else self._anchor, ring, body))
        else:
            self._anchor = self._anchor or self._find_anchor(handle)
            if tail.kid != ring.active:
                if ring.secret(tail.kid) is None:
                    raise AuditSinkError(f"the audit keys no longer hold key {tail.kid}, which "
                                         "sealed the last line; restore it before appending")
                records.append(keyed_line(seq + 1, prev, ring, {"rotated_from": tail.kid},
                                          prior=tail.kid))
        for event in events:
            if records:
                seq, prev = int(records[-1]["seq"]), str(records[-1]["mac"])
            records.append(keyed_line(seq + 1, prev, ring, {"event": event}))
        return records

    def _tail(self, handle: IO[str]) -> _Tail:
        raw = _last_line(handle)
        if raw is None:
            return _Tail(0, "", None)
        try:
            record = json.loads(raw)
            if record.get("v") is None:
                return _Tail(int(record["seq"]), str(record["hash"]), None)
            return _Tail(int(record["seq"]), str(record["mac"]), str(record["kid"]))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise AuditSinkError(
                f"the last line of {self.path} is not an audit record; the log needs an "
                "auditor's attention before more is appended") from err

    def _find_anchor(self, handle: IO[str]) -> str:
        handle.seek(0)
        for raw in handle:
            if '"genesis"' in raw:
                try:
                    return str(json.loads(raw)["genesis"]["anchor"])
                except (ValueError, KeyError, TypeError):
                    break
        raise AuditSinkError(f"{self.path} has keyed lines but no genesis line; the log needs "
                             "an auditor's attention before more is appended")

    def _witness(self, witness: Witness, ring: KeyRing) -> None:
        """The head beside the log, then the checkpoint; a checkpoint that cannot be written
        is logged (the lines are already in the log: failing now would write them twice)."""
        text = witness.signed(ring)
        write_private(self.head_path, text)
        if self.checkpoints is None:
            return
        try:
            self.checkpoints.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(checkpoint_path(self.checkpoints, self.path), text)
        except OSError as err:
            log.error("audit checkpoint not written to %s: %s", self.checkpoints, err.strerror)


def _last_line(handle: IO[str]) -> str | None:
    """The last non-blank line of the file, read from its end."""
    binary = handle.buffer  # type: ignore[attr-defined]
    binary.seek(0, os.SEEK_END)
    end = binary.tell()
    size = 4096
    while True:
        start = max(0, end - size)
        binary.seek(start)
        chunk = binary.read(end - start)
        lines = [line for line in chunk.split(b"\n") if line.strip()]
        if start == 0 or len(lines) > 1:
            return lines[-1].decode("utf-8") if lines else None
        size *= 4


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """The events in the log, in order (unchecked: use chain_verify.check_chain first)."""
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            if raw.strip():
                record = json.loads(raw)
                if "event" in record:
                    yield dict(record["event"])
