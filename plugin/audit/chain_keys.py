"""The audit chain's MAC keys: a folder holding ``audit-keys.json`` (mode 0600, the folder 0700)
with every key the chain has used, by key id, and which one signs new lines.

    keys = AuditKeys(folder)
    ring = keys.ensure()          # created with one random key on first use
    ring.active, ring.secret(kid)
    keys.rotate()                 # a new active key; the old ones stay, so old lines verify

A key is never removed: every line names the key that sealed it. The file is replaced
atomically; a running app reads it again when it changes.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from plugin.audit.errors import AuditSinkError

MANIFEST = "audit-keys.json"


@dataclass(frozen=True)
class KeyRing:
    active: str
    secrets: dict[str, bytes]
    created: dict[str, str]

    def secret(self, kid: str) -> bytes | None:
        return self.secrets.get(kid)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _new_kid() -> str:
    return f"k{datetime.datetime.now(datetime.UTC):%Y%m%d}-{secrets.token_hex(4)}"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


class AuditKeys:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._seen: tuple[int, int] | None = None
        self._ring: KeyRing | None = None

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    def load(self) -> KeyRing | None:
        """The keys, or None when the folder has none; AuditSinkError when unreadable."""
        try:
            stat = self.manifest.stat()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise AuditSinkError(f"cannot read the audit keys {self.manifest}: "
                                 f"{err.strerror}") from err
        if self._ring is not None and self._seen == (stat.st_mtime_ns, stat.st_size):
            return self._ring
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
            keys = data["keys"]
            ring = KeyRing(str(data["active"]),
                           {kid: bytes.fromhex(k["secret"]) for kid, k in keys.items()},
                           {kid: str(k.get("created", "")) for kid, k in keys.items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise AuditSinkError(f"the audit keys {self.manifest} are damaged; restore them "
                                 "from a backup (the log cannot be checked without them)") from err
        if ring.active not in ring.secrets:
            raise AuditSinkError(f"the audit keys {self.manifest} name an active key they "
                                 "do not hold")
        self._ring, self._seen = ring, (stat.st_mtime_ns, stat.st_size)
        return ring

    def ensure(self) -> KeyRing:
        """The keys, creating the folder with one random key when it has none."""
        ring = self.load()
        if ring is not None:
            return ring
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary = self.folder / f".{MANIFEST}.{secrets.token_hex(4)}.tmp"
            kid = _new_kid()
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_manifest(kid, {}), handle)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, self.manifest)  # fails if another process made one first
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        except OSError as err:
            raise AuditSinkError(f"cannot create the audit keys in {self.folder}: "
                                 f"{err.strerror}") from err
        ring = self.load()
        assert ring is not None  # noqa: S101 - just written
        return ring

    def rotate(self) -> str:
        """Add a new random key and make it the one that seals new lines; its id."""
        ring = self.ensure()
        kid = _new_kid()
        old = {k: {"secret": s.hex(), "created": ring.created.get(k, "")}
               for k, s in ring.secrets.items()}
        try:
            write_private(self.manifest, json.dumps(_manifest(kid, old)))
        except OSError as err:
            raise AuditSinkError(f"cannot write the audit keys {self.manifest}: "
                                 f"{err.strerror}") from err
        return kid


def _manifest(active: str, old: dict[str, dict[str, str]]) -> dict[str, object]:
    keys = {**old, active: {"secret": secrets.token_bytes(32).hex(), "created": _now()}}
    return {"active": active, "keys": keys}
