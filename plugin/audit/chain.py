"""The lines of the audit log and the witnesses of its end, as data (no files here).

A keyed line is ``{"v": 2, "seq": n, "prev": <mac of line n-1>, "kid": <key id>, ...,
"mac": <HMAC-SHA256 over the rest of the line>}`` with one of:

- ``"genesis": {"anchor": <random>, "created": ...}``: the first keyed line; its ``prev`` is the
  anchor (a new log) or the hash of the last unkeyed line (a log begun before keys);
- ``"rotated_from": <old kid>``: a change of key; sealed by the new key (``mac``) and the old
  one (``mac_prior``), so the chain runs on unbroken;
- ``"event": {...}``: an AuditEvent.

A witness (the ``.head`` beside the log, and the checkpoint in a second folder) names the log's
anchor, its last seq and that line's mac, signed with the audit key. Unkeyed (legacy) lines are
``{"seq", "prev", "hash", "event"}`` with an unkeyed SHA-256 (``line_hash``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugin.audit.chain_keys import KeyRing

VERSION = 2
LEGACY_GENESIS = "0" * 64
UNSEALED = ("mac", "mac_prior", "sig")


def default_key_folder(log_path: Path) -> Path:
    """Where the keys of a log live unless configured: ``keys`` beside the log."""
    return Path(log_path).parent / "keys"


def head_path(log_path: Path) -> Path:
    return Path(log_path).with_name(Path(log_path).name + ".head")


def checkpoint_path(folder: Path, log_path: Path) -> Path:
    return Path(folder) / f"{Path(log_path).name}.checkpoint"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def line_hash(seq: int, prev: str, event: Any) -> str:
    """The unkeyed hash of a legacy line (logs written before keys)."""
    return hashlib.sha256(f"{seq}\n{prev}\n{canonical(event)}".encode()).hexdigest()


def seal(record: dict[str, Any], secret: bytes) -> str:
    """HMAC-SHA256 over the record's canonical JSON, its own seals left out."""
    body = {k: v for k, v in record.items() if k not in UNSEALED}
    return hmac.new(secret, canonical(body).encode(), hashlib.sha256).hexdigest()


def sealed_by(record: dict[str, Any], field: str, secret: bytes | None) -> bool:
    value = record.get(field)
    return (secret is not None and isinstance(value, str)
            and hmac.compare_digest(seal(record, secret), value))


def now_text() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def keyed_line(seq: int, prev: str, ring: KeyRing, body: dict[str, Any],
               prior: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"v": VERSION, "seq": seq, "prev": prev, "kid": ring.active, **body}
    record["mac"] = seal(record, ring.secrets[ring.active])
    if prior is not None:
        record["mac_prior"] = seal(record, ring.secrets[prior])
    return record


@dataclass(frozen=True)
class Witness:
    """What a head or checkpoint says: the log's anchor, its last seq and that line's mac."""

    anchor: str
    seq: int
    mac: str
    kid: str
    written: str

    def signed(self, ring: KeyRing) -> str:
        body = {"anchor": self.anchor, "seq": self.seq, "mac": self.mac, "kid": ring.active,
                "written": self.written}
        return canonical({**body, "sig": seal(body, ring.secrets[ring.active])}) + "\n"


def read_witness(text: str, ring: KeyRing | None) -> Witness | str:
    """The witness in ``text``, or why it cannot be believed."""
    try:
        data = json.loads(text)
        witness = Witness(str(data["anchor"]), int(data["seq"]), str(data["mac"]),
                          str(data["kid"]), str(data.get("written", "")))
    except (ValueError, KeyError, TypeError):
        return "is not a witness the app wrote (unreadable, or from before keyed chains)"
    if ring is None:
        return "cannot be checked without the audit keys"
    if not sealed_by(data, "sig", ring.secret(witness.kid)):
        return "is not signed by the audit key (forged or damaged)"
    return witness
