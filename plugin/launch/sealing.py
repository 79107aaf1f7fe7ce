"""Encryption at rest of the session store's values, bound to the row that holds them.

Every backend seals a value with AES-256-GCM under a key derived from ALLIANCE_SECRET_KEY. The
associated data is the row's kind and its stored key (the hash of kind and key, ``hash_key``),
so a value only opens where it was written: a launch row copied under another handle, or moved
to another kind, fails its authentication and counts as gone (as if it had expired).

Values written before this binding (Fernet, no associated data; told apart by their first
bytes):
- queued saves (kind ``outbox``) and drafts (``draft``) are still read, so that an upgrade never
  loses a rating or typed answers; they are sealed the new way the next time they are written,
  and drafts expire after at most 72 hours;
- every other kind (launches, pending sign-ins, hand-offs, locks, counters) is refused: a
  clinician with a launch open across the upgrade opens Alliance Panel again from the chart
  (launches live at most ``session_hours``, sign-ins ten minutes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CARRIED_KINDS", "Sealer", "hash_key"]

MAGIC = b"AP2:"  # never the start of a Fernet token (base64 of 0x80...) nor of a counter
NONCE_BYTES = 12
CARRIED_KINDS = frozenset({"outbox", "draft"})  # values from before the binding still read


def hash_key(kind: str, key: str) -> str:
    """The key a row is stored under: neither the kind nor the key (a handle) in the clear."""
    return hashlib.sha256(f"{kind}\x00{key}".encode()).hexdigest()


def _derive(secret_key: str, label: bytes) -> bytes:
    return hashlib.sha256(label + b"\x00" + secret_key.encode()).digest()


def _associated(kind: str, row_key: str) -> bytes:
    return f"alliance-panel session row\x00{kind}\x00{row_key}".encode()


class Sealer:
    """Seals and opens one backend's values; ``row_key`` is always ``hash_key(kind, key)``."""

    def __init__(self, secret_key: str, *, carried: frozenset[str] = CARRIED_KINDS) -> None:
        self._aead = AESGCM(_derive(secret_key, b"alliance-panel session store aead"))
        self._legacy = Fernet(base64.urlsafe_b64encode(
            _derive(secret_key, b"alliance-panel session store")))
        self._carried = carried

    def seal(self, kind: str, row_key: str, value: dict[str, Any]) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, json.dumps(value).encode(),
                                    _associated(kind, row_key))
        return MAGIC + nonce + sealed

    def open(self, kind: str, row_key: str, blob: bytes) -> dict[str, Any] | None:
        """The value, or None when it was sealed for another row or kind, under another secret
        key, or before the binding for a kind not carried over."""
        blob = bytes(blob)
        if blob.startswith(MAGIC):
            body = blob[len(MAGIC):]
            try:
                plain = self._aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:],
                                           _associated(kind, row_key))
            except (InvalidTag, ValueError):
                return None
        elif kind in self._carried:
            try:
                plain = self._legacy.decrypt(blob)
            except InvalidToken:
                return None
        else:
            return None
        value: dict[str, Any] = json.loads(plain)
        return value
