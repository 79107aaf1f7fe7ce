"""A folder of the app's signing keys for rotation: one PEM per key and a ``keys.json``
manifest (kid, alg, file, created, active_from, retired, and the grace period).

``KeyStore.ring()`` reads the folder again only when the manifest changed, so a running app
picks up ``alliance keys add`` and ``retire`` without a restart. Files are written with mode
0600 and replaced atomically; the PEMs never leave the folder.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .keys import KeyRing, RingKey, SigningKey, generate_private_key_pem, load_signing_key

__all__ = ["DEFAULT_GRACE", "KeyEntry", "KeyStore"]

DEFAULT_GRACE = 7 * 24 * 3600.0  # a retired key stays published for a week (project default)
MANIFEST = "keys.json"


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    alg: str
    file: str
    created: float
    active_from: float
    retired: float | None = None


class KeyStore:
    """The key folder; also a key source for SmartClient (``signing_key`` and ``published``)."""

    def __init__(self, folder: Path, clock: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder)
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[int, KeyRing] | None = None

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    def _load(self) -> tuple[list[KeyEntry], float]:
        if not self.manifest.exists():
            return [], DEFAULT_GRACE
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
            entries = [KeyEntry(**e) for e in data["keys"]]
            return entries, float(data.get("grace_seconds", DEFAULT_GRACE))
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ConfigurationError(f"{self.manifest} is not a key manifest",
                                     code="invalid_key_folder") from err

    def _save(self, entries: list[KeyEntry], grace: float) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        body = {"grace_seconds": grace, "keys": [e.__dict__ for e in entries]}
        temporary = self.folder / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.manifest)

    def entries(self) -> list[KeyEntry]:
        return self._load()[0]

    def add(self, alg: str = "RS384", publish_ahead: float = 0.0) -> KeyEntry:
        """A new key, published now and signing after ``publish_ahead`` seconds; at once when
        no key in the folder can sign now (the first key: waiting would only leave the app
        unable to sign anything)."""
        with self._lock:
            entries, grace = self._load()
            now = self._clock()
            if not any(e.retired is None and e.active_from <= now for e in entries):
                publish_ahead = 0.0
            pem = generate_private_key_pem(alg)
            kid = load_signing_key(pem, alg).kid
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{kid}.pem"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
            entry = KeyEntry(kid, alg, path.name, now, now + publish_ahead)
            self._save([*entries, entry], grace)
            return entry

    def retire(self, kid: str) -> KeyEntry:
        """Stop signing with ``kid`` now; it stays published for the grace period."""
        with self._lock:
            entries, grace = self._load()
            match = [e for e in entries if e.kid == kid]
            if not match:
                raise ConfigurationError(f"no key {kid!r} in {self.folder}", code="unknown_kid")
            now = self._clock()
            others = [e for e in entries if e.kid != kid and e.retired is None
                      and e.active_from <= now]
            if not others:
                raise ConfigurationError(
                    f"{kid} is the only active key; add another and wait "
                    "until it is active before retiring this one", code="last_active_key")
            retired = KeyEntry(**{**match[0].__dict__, "retired": now})
            self._save([retired if e.kid == kid else e for e in entries], grace)
            return retired

    def ring(self) -> KeyRing:
        """The keys as a KeyRing, re-read only when the manifest changed."""
        try:
            stamp = self.manifest.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = -1
        cached = self._cached
        if cached is not None and cached[0] == stamp:
            return cached[1]
        entries, grace = self._load()
        keys = []
        for entry in entries:
            pem = (self.folder / entry.file).read_bytes()
            keys.append(RingKey(load_signing_key(pem, entry.alg, entry.kid), entry.created,
                                entry.active_from, entry.retired))
        ring = KeyRing(keys, grace)
        self._cached = (stamp, ring)
        return ring

    def signing_key(self, now: float) -> SigningKey:
        return self.ring().signing_key(now)

    def published(self, now: float) -> list[SigningKey]:
        return self.ring().published(now)

    def describe(self, now: float) -> list[dict[str, Any]]:
        """One row per key: kid, alg, state (pending, signing, published, retired, expired)."""
        ring = self.ring()
        signing = ring.signing_key(now).kid if any(
            k.active_from <= now and k.retired is None for k in ring.keys) else None
        published = {k.kid for k in ring.published(now)}
        rows = []
        for entry in self.entries():
            state = ("signing" if entry.kid == signing
                     else "pending" if entry.active_from > now and entry.retired is None
                     else "published" if entry.kid in published and entry.retired is None
                     else "retired (published)" if entry.kid in published else "expired")
            rows.append({"kid": entry.kid, "alg": entry.alg, "state": state,
                         "created": entry.created, "active_from": entry.active_from,
                         "retired": entry.retired})
        return rows
