"""Checking the audit log: every line's seal and link, then its end against the signed head
beside it and, when given, the checkpoint kept in another folder.

``check_chain`` walks the log once. Unkeyed (legacy) lines, from before keyed chains, are
checked as an unkeyed hash chain; a log with no keyed line is reported as a legacy chain with a
warning, never as intact, and is a failure when a checkpoint names a keyed chain for it. An
empty log is a failure: the app starts every log with a genesis line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugin.audit.chain import (
    LEGACY_GENESIS,
    Witness,
    checkpoint_path,
    default_key_folder,
    head_path,
    line_hash,
    read_witness,
    sealed_by,
)
from plugin.audit.chain_keys import AuditKeys, KeyRing
from plugin.audit.errors import AuditSinkError


@dataclass(frozen=True)
class ChainProblem:
    """One place where the log is not what was written: ``line`` is 1-based, 0 for the log
    as a whole (its head, its checkpoint, its keys)."""

    line: int
    code: str  # "changed", "deleted", "inserted", "truncated", "empty", "unreadable", "keys"
    message: str


@dataclass
class ChainReport:
    problems: list[ChainProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    keyed: bool = False
    last_seq: int = 0
    checkpoint: Witness | None = None


class _Walk:
    """The state of one pass over the log."""

    def __init__(self, ring: KeyRing | None, report: ChainReport, wanted: set[int]) -> None:
        self.ring, self.report, self.wanted = ring, report, wanted
        self.expected, self.prev = 1, LEGACY_GENESIS
        self.kid: str | None = None
        self.anchor: str | None = None
        self.legacy = 0
        self.mac_at: dict[int, str] = {}

    def problem(self, line: int, code: str, message: str) -> None:
        self.report.problems.append(ChainProblem(line, code, message))

    def link(self, number: int, seq: int, prev: str) -> None:
        if seq == self.expected and prev == self.prev:
            return
        missing = seq - self.expected
        if missing > 0:
            self.problem(number, "deleted", f"line {number} (seq {seq}): {missing} line(s) "
                         "before it were deleted")
        else:
            self.problem(number, "inserted", f"line {number} (seq {seq}) does not follow "
                         "the line before it (renumbered, moved or inserted)")

    def legacy_line(self, number: int, record: dict[str, Any]) -> None:
        if self.anchor is not None:
            self.problem(number, "inserted", f"line {number} is an unkeyed line inside the "
                         "keyed chain")
            return
        seq, prev, digest = int(record["seq"]), str(record["prev"]), str(record["hash"])
        self.link(number, seq, prev)
        if line_hash(seq, prev, record["event"]) != digest:
            self.problem(number, "changed", f"line {number} (seq {seq}) was changed after "
                         "writing")
        self.legacy += 1
        self.expected, self.prev = seq + 1, digest

    def keyed_line(self, number: int, record: dict[str, Any]) -> None:
        seq, prev, kid, mac = (int(record["seq"]), str(record["prev"]), str(record["kid"]),
                               str(record["mac"]))
        if "genesis" in record:
            if self.anchor is not None:
                self.problem(number, "inserted", f"line {number} (seq {seq}) starts a second "
                             "chain: the log was rebuilt from here")
            self.anchor = str(record["genesis"]["anchor"])
            if self.legacy == 0:
                self.prev = self.anchor
        elif self.anchor is None:
            self.problem(number, "deleted", f"line {number} (seq {seq}): the genesis line "
                         "before it was deleted")
        elif "rotated_from" in record:
            if record["rotated_from"] != self.kid or not sealed_by(
                    record, "mac_prior", self._secret(str(record["rotated_from"]))):
                self.problem(number, "changed", f"line {number} (seq {seq}): a key change not "
                             f"sealed by the key before it ({self.kid})")
        elif kid != self.kid:
            self.problem(number, "changed", f"line {number} (seq {seq}) is sealed by key "
                         f"{kid}, the chain was on {self.kid} with no key change between")
        self.link(number, seq, prev)
        if self.ring is not None and not sealed_by(record, "mac", self._secret(kid)):
            why = ("its key is not in the audit keys" if self._secret(kid) is None else
                   "its seal does not match (changed after writing)")
            self.problem(number, "changed", f"line {number} (seq {seq}): {why}")
        if seq in self.wanted:
            self.mac_at[seq] = mac
        self.expected, self.prev, self.kid = seq + 1, mac, kid

    def _secret(self, kid: str) -> bytes | None:
        return self.ring.secret(kid) if self.ring is not None else None


def check_chain(path: Path, *, keys: Path | None = None,
                checkpoint: Path | None = None) -> ChainReport:
    """Everything wrong with the log at ``path``. ``keys``: the audit key folder (default:
    ``keys`` beside the log); ``checkpoint``: the checkpoint file, or the folder holding it."""
    path = Path(path)
    report = ChainReport()
    try:
        ring = AuditKeys(keys or default_key_folder(path)).load()
    except AuditSinkError as err:
        ring = None
        report.problems.append(ChainProblem(0, "keys", err.message))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        report.problems.append(ChainProblem(0, "unreadable", f"cannot read {path}: "
                                            f"{err.strerror}"))
        return report
    head = _read(head_path(path), ring)
    point = _read(_checkpoint_file(checkpoint, path), ring) if checkpoint else None
    wanted = {w.seq for w in (head, point) if isinstance(w, Witness)}
    walk = _Walk(ring, report, wanted)
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise TypeError(raw)
            (walk.legacy_line if "v" not in record else walk.keyed_line)(number, record)
        except (ValueError, KeyError, TypeError, AttributeError):
            walk.problem(number, "changed", f"line {number} is not a record")
            walk.expected += 1
    report.keyed, report.last_seq = walk.anchor is not None, walk.expected - 1
    if report.last_seq == 0:
        walk.problem(0, "empty", f"{path.name} is empty: the app starts every log with a "
                     "genesis line, so its lines were removed")
    if report.keyed and ring is None and not any(p.code == "keys" for p in report.problems):
        walk.problem(0, "keys", f"no audit keys in {keys or default_key_folder(path)}: the "
                     "seals cannot be checked (give the key folder)")
    _check_witnesses(walk, path, head, point, checkpoint)
    return report


def _checkpoint_file(given: Path, log_path: Path) -> Path:
    return checkpoint_path(given, log_path) if Path(given).is_dir() else Path(given)


def _read(path: Path, ring: KeyRing | None) -> Witness | str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    return read_witness(text, ring)


def _check_witnesses(walk: _Walk, path: Path, head: Witness | str | None,
                     point: Witness | str | None, checkpoint: Path | None) -> None:
    report = walk.report
    if not report.keyed:
        if report.last_seq and walk.ring is not None:
            walk.problem(0, "changed", "rewritten: no keyed line, yet the audit keys (created "
                         f"{min(walk.ring.created.values())}) have sealed lines (an archived "
                         "legacy log is checked with --keys naming an empty folder)")
        elif report.last_seq:
            report.warnings.append("unkeyed (legacy) chain: its lines agree with each other, "
                                   "but anyone who can write the file could have rewritten "
                                   "them; keyed lines follow once the app appends")
        if isinstance(point, Witness) or (checkpoint and point is not None):
            walk.problem(0, "changed", "the checkpoint names a keyed chain, the log has "
                         "none: it was rewritten")
        return
    for name, witness, strict in ((head_path(path).name, head, True),
                                  ("the checkpoint", point, checkpoint is not None)):
        if witness is None:
            if strict:
                where = head_path(path) if name != "the checkpoint" else checkpoint
                walk.problem(0, "truncated", f"{name} is missing ({where}): it was deleted")
            continue
        if isinstance(witness, str):
            walk.problem(0, "changed", f"{name} {witness}")
            continue
        _compare(walk, name, witness)
    if isinstance(point, Witness):
        report.checkpoint = point
    elif checkpoint is None:
        report.warnings.append("no checkpoint compared: someone holding the audit key could "
                               "rewrite the log and its head together (give --checkpoint)")


def _compare(walk: _Walk, name: str, witness: Witness) -> None:
    last = walk.report.last_seq
    if witness.anchor != walk.anchor:
        walk.problem(0, "changed", f"{name} belongs to another chain (its anchor differs): "
                     "the log was replaced or rebuilt")
    elif witness.seq > last:
        walk.problem(0, "truncated", f"{witness.seq - last} line(s) at its end were deleted: "
                     f"{name} ({witness.written}) says the log reached seq {witness.seq}, it "
                     f"ends at seq {last}")
    elif walk.mac_at.get(witness.seq) != witness.mac:
        walk.problem(0, "changed", f"seq {witness.seq} was replaced: it is not the line "
                     f"{name} ({witness.written}) recorded")
    elif witness.seq < last:
        walk.problem(0, "inserted", f"{last - witness.seq} line(s) added outside the app: "
                     f"after seq {witness.seq}, where {name} ({witness.written}) ends")


def verify_chain(path: Path, *, keys: Path | None = None,
                 checkpoint: Path | None = None) -> list[ChainProblem]:
    """Every problem of the log at ``path``; empty when intact."""
    return check_chain(path, keys=keys, checkpoint=checkpoint).problems
