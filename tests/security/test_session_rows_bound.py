"""Issue 20, row 14: session store rows were not bound to their kind and key.

The attack (needs write access to the store, not the secret key): copy the encrypted row of a
live launch under the hashed key of another handle, one the attacker chose, and open the panel
with that handle: the copy was accepted. Now each value is sealed with its kind and stored key as
associated data (plugin/launch/sealing.py): a copy under another key or kind does not open.
Rows written before the binding: launches and the rest are refused (a relaunch), queued saves and
drafts are still read so that an upgrade loses nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3

from cryptography.fernet import Fernet

from plugin.launch.session_store import SqliteSessionStore, hash_key

from .app_harness import SECRET_KEY, app_under_attack


def _copy_row(db, kind_from: str, key_from: str, kind_to: str, key_to: str) -> None:
    with sqlite3.connect(db) as conn:
        value, expires = conn.execute("SELECT value, expires FROM entries WHERE key = ?",
                                      (hash_key(kind_from, key_from),)).fetchone()
        conn.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                     (hash_key(kind_to, key_to), kind_to, value, expires))


def test_a_launch_row_copied_under_another_handle_opens_nothing(hostile, tmp_path):
    app = app_under_attack(hostile(), tmp_path)
    frame = app.flask.test_client(use_cookies=False)  # a cookie-free launch: the handle suffices
    handle = app.launch(frame)
    assert frame.get(f"/panel/{handle}").status_code == 200
    chosen = "attacker-chosen-handle-0123456789abcdefghijklm"
    _copy_row(tmp_path / "app" / "sessions.sqlite3", "launch", handle, "launch", chosen)
    copied = app.flask.test_client(use_cookies=False).get(f"/panel/{chosen}")
    assert copied.status_code == 403, "a copied launch row was accepted"
    assert "Alex Example" not in copied.get_data(as_text=True)
    assert frame.get(f"/panel/{handle}").status_code == 200  # the real launch is untouched


def test_a_row_moved_to_another_kind_or_key_does_not_open(tmp_path):
    db = tmp_path / "s.db"
    store = SqliteSessionStore(db, SECRET_KEY)
    store.put("draft", "owner-a", {"raw": {"item-1": "typed by a"}}, ttl=60)
    _copy_row(db, "draft", "owner-a", "draft", "owner-b")
    _copy_row(db, "draft", "owner-a", "outbox", "item-1")
    assert store.get("draft", "owner-b") is None
    assert store.get("outbox", "item-1") is None
    assert store.values("outbox") == []
    assert store.get("draft", "owner-a") == {"raw": {"item-1": "typed by a"}}


def _legacy(secret: str, value: dict) -> bytes:
    """A value as every backend sealed it before the binding (Fernet, no associated data)."""
    key = hashlib.sha256(b"alliance-panel session store\x00" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(json.dumps(value).encode())


def test_rows_from_before_the_binding(tmp_path):
    db = tmp_path / "s.db"
    store = SqliteSessionStore(db, SECRET_KEY)
    with sqlite3.connect(db) as conn:
        for kind, key in (("launch", "h"), ("outbox", "q1"), ("draft", "d1")):
            conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?)",
                         (hash_key(kind, key), kind, _legacy(SECRET_KEY, {"k": kind}), 9e12))
    assert store.get("launch", "h") is None  # a relaunch is needed
    assert store.get("outbox", "q1") == {"k": "outbox"}  # a queued save is never lost
    assert store.values("outbox") == [{"k": "outbox"}]
    assert store.get("draft", "d1") == {"k": "draft"}
