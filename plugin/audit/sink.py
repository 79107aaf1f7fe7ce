"""The local audit sink: an append-only JSON-lines file whose lines form a hash chain.

Each line is ``{"seq": n, "prev": <hash of line n-1>, "hash": <hash of this line>, "event": {...}}``
where the hash is SHA-256 over ``seq``, ``prev`` and the event's canonical JSON. A changed line
no longer matches its hash; a deleted line breaks ``seq`` and ``prev`` of the next. The newest
sequence number and hash are also kept in a small ``.head`` file beside the log, so removing the
last lines is found too. Appends are serialised by a lock and an advisory file lock (several
threads or processes may write), and each line is flushed and fsynced before ``append`` returns.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugin.audit.errors import AuditSinkError

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def line_hash(seq: int, prev: str, event: Any) -> str:
    return hashlib.sha256(f"{seq}\n{prev}\n{_canonical(event)}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """One place where the log is not what was written: ``line`` is 1-based, 0 for the head."""

    line: int
    code: str  # "changed", "deleted", "inserted", "truncated", "unreadable"
    message: str


class JsonLinesSink:
    """Appends AuditEvents (dicts) to ``path``; ``verify_chain(path)`` checks what is there."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @property
    def head_path(self) -> Path:
        return self.path.with_name(self.path.name + ".head")

    def append(self, event: dict[str, Any]) -> int:
        """Write one event durably; its sequence number. Raises AuditSinkError, never drops."""
        return self.append_many([event])

    def append_many(self, events: Sequence[dict[str, Any]]) -> int:
        """Write events durably with one fsync; the last sequence number."""
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a+", encoding="utf-8") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    try:
                        seq, prev = self._tail(handle)
                        lines = []
                        for event in events:
                            seq += 1
                            digest = line_hash(seq, prev, event)
                            lines.append(_canonical({"seq": seq, "prev": prev, "hash": digest,
                                                     "event": event}) + "\n")
                            prev = digest
                        handle.seek(0, os.SEEK_END)
                        handle.write("".join(lines))
                        handle.flush()
                        os.fsync(handle.fileno())
                        self._write_head(seq, prev)
                    finally:
                        fcntl.flock(handle, fcntl.LOCK_UN)
            except OSError as err:
                raise AuditSinkError(
                    f"cannot append to the audit log {self.path}: {err.strerror}") from err
            return seq

    def _tail(self, handle: Any) -> tuple[int, str]:
        """The newest seq and hash: from the head file (written under the same lock), or by
        reading the log when there is no head yet."""
        if self.head_path.exists():
            try:
                head = json.loads(self.head_path.read_text(encoding="utf-8"))
                return int(head["seq"]), str(head["hash"])
            except (ValueError, KeyError, TypeError) as err:
                raise AuditSinkError(f"{self.head_path} is damaged; the log needs an "
                                     "auditor's attention before more is appended") from err
        handle.seek(0)
        last = None
        for raw in handle:
            if raw.strip():
                last = raw
        if last is None:
            return 0, GENESIS
        try:
            record = json.loads(last)
            return int(record["seq"]), str(record["hash"])
        except (ValueError, KeyError, TypeError) as err:
            raise AuditSinkError(
                f"the last line of {self.path} is not an audit record; the log needs an "
                "auditor's attention before more is appended") from err

    def _write_head(self, seq: int, digest: str) -> None:
        temporary = self.head_path.with_suffix(".tmp")
        temporary.write_text(_canonical({"seq": seq, "hash": digest}) + "\n", encoding="utf-8")
        os.replace(temporary, self.head_path)


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """The events in the log, in order (unchecked: use verify_chain first)."""
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            if raw.strip():
                yield dict(json.loads(raw)["event"])


def verify_chain(path: Path) -> list[ChainProblem]:
    """Every changed, deleted or missing line of the log at ``path``; empty when intact."""
    path = Path(path)
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, GENESIS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        return [ChainProblem(0, "unreadable", f"cannot read {path}: {err.strerror}")]
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            seq, stored_prev, digest = int(record["seq"]), str(record["prev"]), record["hash"]
            event = record["event"]
        except (ValueError, KeyError, TypeError):
            problems.append(ChainProblem(number, "changed", f"line {number} is not a record"))
            expected_seq += 1
            continue
        if seq != expected_seq or stored_prev != prev:
            missing = seq - expected_seq
            if missing > 0:
                problems.append(ChainProblem(number, "deleted", f"line {number} (seq {seq}): "
                                             f"{missing} line(s) before it were deleted"))
            else:
                problems.append(ChainProblem(number, "inserted", f"line {number} (seq {seq}) "
                                             "does not follow the line before it"))
        if line_hash(seq, stored_prev, event) != digest:
            problems.append(ChainProblem(number, "changed",
                                         f"line {number} (seq {seq}) was changed after writing"))
        expected_seq, prev = seq + 1, str(digest)
    problems.extend(_check_head(path, expected_seq - 1, prev))
    return problems


def _check_head(path: Path, last_seq: int, last_hash: str) -> list[ChainProblem]:
    head = path.with_name(path.name + ".head")
    if not head.exists():
        if last_seq == 0:
            return []
        return [ChainProblem(0, "truncated", f"{head.name} is missing")]
    try:
        recorded = json.loads(head.read_text(encoding="utf-8"))
        seq, digest = int(recorded["seq"]), str(recorded["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return [ChainProblem(0, "truncated", f"{head.name} is unreadable")]
    if seq > last_seq:
        return [ChainProblem(0, "truncated",
                             f"the log ends at seq {last_seq}; {seq - last_seq} line(s) "
                             "at its end were deleted")]
    if seq < last_seq:
        return [ChainProblem(0, "inserted", f"{last_seq - seq} line(s) after seq {seq} were "
                             "added outside the app")]
    if seq == last_seq and digest != last_hash:
        return [ChainProblem(0, "changed", f"the last line (seq {seq}) differs from the head")]
    return []
