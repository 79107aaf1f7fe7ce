"""SQLite storage of the authorization server: keys, launches, codes, tokens, used jtis.

Lives in its own file, `{settings.db_path}.auth`, so it never meets the FHIR store's schema.
One connection per operation keeps it safe under a threaded WSGI server. Every "use once"
step is a single conditional UPDATE, so two racing requests cannot both win.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_keys (name TEXT PRIMARY KEY, jwk TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS auth_launches (
    id TEXT PRIMARY KEY, patient TEXT NOT NULL, encounter TEXT, practitioner TEXT NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY, family TEXT NOT NULL, client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, practitioner TEXT NOT NULL,
    patient TEXT, encounter TEXT, nonce TEXT, code_challenge TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS auth_access_tokens (
    jti TEXT PRIMARY KEY, family TEXT, client_id TEXT NOT NULL, expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS auth_refresh_tokens (
    token_hash TEXT PRIMARY KEY, family TEXT NOT NULL, client_id TEXT NOT NULL,
    scope TEXT NOT NULL, practitioner TEXT NOT NULL, patient TEXT, encounter TEXT,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS auth_assertion_jtis (
    client_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (client_id, jti));
CREATE TABLE IF NOT EXISTS auth_consent_tickets (
    ticket_hash TEXT PRIMARY KEY, request_hash TEXT NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
"""


def digest(secret: str) -> str:
    """Codes, refresh tokens and tickets are stored only as hashes."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Launch:
    id: str
    patient: str
    encounter: str | None
    practitioner: str
    expires_at: float
    used: bool


@dataclass(frozen=True)
class CodeRecord:
    """An authorization code, shaped for authlib (get_redirect_uri, get_scope, PKCE fields)."""

    code_hash: str
    family: str
    client_id: str
    redirect_uri: str
    scope: str
    practitioner: str
    patient: str | None
    encounter: str | None
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    expires_at: float
    used: bool

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class RefreshRecord:
    """A refresh token, shaped for authlib (check_client, get_scope)."""

    token_hash: str
    family: str
    client_id: str
    scope: str
    practitioner: str
    patient: str | None
    encounter: str | None
    expires_at: float
    used: bool
    revoked: bool

    def check_client(self, client: object) -> bool:
        return getattr(client, "client_id", None) == self.client_id

    def get_scope(self) -> str:
        return self.scope


class AuthStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    def _one(self, sql: str, args: tuple[object, ...]) -> sqlite3.Row | None:
        with self._connect() as db:
            row: sqlite3.Row | None = db.execute(sql, args).fetchone()
            return row

    def _change(self, sql: str, args: tuple[object, ...]) -> int:
        with self._connect() as db:
            return db.execute(sql, args).rowcount

    def _insert(self, table: str, values: dict[str, object]) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self._change(f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                     tuple(values.values()))

    # keys
    def load_or_create_key(self, name: str, make: Callable[[], str]) -> str:
        """The stored key; ``make`` is called only when there is none yet."""
        row = self._one("SELECT jwk FROM auth_keys WHERE name = ?", (name,))
        if row is None:
            self._change("INSERT OR IGNORE INTO auth_keys (name, jwk) VALUES (?, ?)",
                         (name, make()))
            row = self._one("SELECT jwk FROM auth_keys WHERE name = ?", (name,))
        assert row is not None
        return str(row["jwk"])

    # launches
    def add_launch(self, launch: Launch) -> None:
        self._insert("auth_launches", {**launch.__dict__, "used": 0})

    def get_launch(self, launch_id: str) -> Launch | None:
        row = self._one("SELECT * FROM auth_launches WHERE id = ?", (launch_id,))
        return Launch(**{**dict(row), "used": bool(row["used"])}) if row else None

    def consume_launch(self, launch_id: str, now: float) -> bool:
        return 1 == self._change(
            "UPDATE auth_launches SET used = 1 WHERE id = ? AND used = 0 AND expires_at > ?",
            (launch_id, now))

    # authorization codes
    def add_code(self, record: CodeRecord) -> None:
        self._insert("auth_codes", {**record.__dict__, "used": 0})

    def get_code(self, code: str) -> CodeRecord | None:
        row = self._one("SELECT * FROM auth_codes WHERE code_hash = ?", (digest(code),))
        return CodeRecord(**{**dict(row), "used": bool(row["used"])}) if row else None

    def consume_code(self, code_hash: str) -> bool:
        return 1 == self._change(
            "UPDATE auth_codes SET used = 1 WHERE code_hash = ? AND used = 0", (code_hash,))

    # tokens
    def add_access_token(self, jti: str, family: str | None, client_id: str, exp: float) -> None:
        self._insert("auth_access_tokens",
                     {"jti": jti, "family": family, "client_id": client_id, "expires_at": exp})

    def access_token_active(self, jti: str) -> bool:
        row = self._one("SELECT revoked FROM auth_access_tokens WHERE jti = ?", (jti,))
        return row is not None and not row["revoked"]

    def add_refresh_token(self, record: RefreshRecord) -> None:
        self._insert("auth_refresh_tokens", {**record.__dict__, "used": 0, "revoked": 0})

    def get_refresh_token(self, token: str) -> RefreshRecord | None:
        row = self._one("SELECT * FROM auth_refresh_tokens WHERE token_hash = ?", (digest(token),))
        if row is None:
            return None
        return RefreshRecord(**{**dict(row), "used": bool(row["used"]),
                                "revoked": bool(row["revoked"])})

    def consume_refresh_token(self, token_hash: str) -> bool:
        return 1 == self._change(
            "UPDATE auth_refresh_tokens SET used = 1 "
            "WHERE token_hash = ? AND used = 0 AND revoked = 0", (token_hash,))

    def revoke_family(self, family: str) -> None:
        """Revoke every token descended from one authorization (code replay, refresh reuse)."""
        with self._connect() as db:
            db.execute("UPDATE auth_access_tokens SET revoked = 1 WHERE family = ?", (family,))
            db.execute("UPDATE auth_refresh_tokens SET revoked = 1 WHERE family = ?", (family,))

    # client assertion jtis
    def remember_assertion_jti(self, client_id: str, jti: str, exp: float, now: float) -> bool:
        """True the first time a (client, jti) is seen; False on reuse."""
        with self._connect() as db:
            db.execute("DELETE FROM auth_assertion_jtis WHERE expires_at < ?", (now - 3600,))
            cursor = db.execute(
                "INSERT OR IGNORE INTO auth_assertion_jtis VALUES (?, ?, ?)", (client_id, jti, exp))
            return cursor.rowcount == 1

    # consent tickets (the picker form's anti-forgery token)
    def add_ticket(self, ticket: str, request_hash: str, expires_at: float) -> None:
        self._insert("auth_consent_tickets", {"ticket_hash": digest(ticket),
                                              "request_hash": request_hash,
                                              "expires_at": expires_at})

    def consume_ticket(self, ticket: str, request_hash: str, now: float) -> bool:
        return 1 == self._change(
            "UPDATE auth_consent_tickets SET used = 1 WHERE ticket_hash = ? AND request_hash = ?"
            " AND used = 0 AND expires_at > ?", (digest(ticket), request_hash, now))
