"""The resource store: versioned FHIR resources as JSON in SQLite.

Two tables: `fhir_resource` holds the current version of each resource (with its patient
compartment in an indexed column) and `fhir_version` every version ever written. The store
knows nothing of HTTP, scopes or search semantics. Resources it returns are shared, parsed
dicts: treat them as read-only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ehr_sandbox.fhir.resource import Resource

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fhir_resource (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    last_updated TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    patient TEXT, json TEXT NOT NULL,
    UNIQUE (type, id)
);
CREATE INDEX IF NOT EXISTS fhir_resource_type_patient ON fhir_resource (type, patient);
CREATE TABLE IF NOT EXISTS fhir_version (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    last_updated TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL,
    PRIMARY KEY (type, id, version)
);
"""


@dataclass(frozen=True)
class Stored:
    """One version of a resource; `resource` is None for a deletion."""

    type: str
    id: str
    version: int
    last_updated: str
    resource: Resource | None

    @property
    def deleted(self) -> bool:
        return self.resource is None

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


def format_instant(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """SQLite-backed, thread-safe (one connection behind a re-entrant lock)."""

    def __init__(
        self,
        path: Path | str,
        clock: Callable[[], float],
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._clock = clock
        self._new_id = new_id
        self._cache: dict[tuple[str, str], tuple[int, Resource]] = {}

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """All writes inside commit together or not at all; nests."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute("ROLLBACK")
                    self._cache.clear()
                raise
            self._depth -= 1
            if outermost:
                self._db.execute("COMMIT")

    # -- reads ---------------------------------------------------------------------------------

    def read(self, rtype: str, rid: str) -> Stored | None:
        with self._lock:
            row = self._db.execute(
                "SELECT version, last_updated, deleted, json FROM fhir_resource"
                " WHERE type = ? AND id = ?",
                (rtype, rid),
            ).fetchone()
        if row is None:
            return None
        version, updated, deleted, text = row
        return Stored(rtype, rid, version, updated, None if deleted else json.loads(text))

    def patient_of(self, rtype: str, rid: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT patient FROM fhir_resource WHERE type = ? AND id = ? AND deleted = 0",
                (rtype, rid),
            ).fetchone()
        return row[0] if row else None

    def vread(self, rtype: str, rid: str, version: int) -> Stored | None:
        with self._lock:
            row = self._db.execute(
                "SELECT last_updated, deleted, json FROM fhir_version"
                " WHERE type = ? AND id = ? AND version = ?",
                (rtype, rid, version),
            ).fetchone()
        if row is None:
            return None
        updated, deleted, text = row
        return Stored(rtype, rid, version, updated, None if deleted else json.loads(text))

    def history(self, rtype: str, rid: str) -> list[Stored]:
        """Every version, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT version, last_updated, deleted, json FROM fhir_version"
                " WHERE type = ? AND id = ? ORDER BY version DESC",
                (rtype, rid),
            ).fetchall()
        return [
            Stored(rtype, rid, v, updated, None if deleted else json.loads(text))
            for v, updated, deleted, text in rows
        ]

    def scan(self, rtype: str, patient: str | None = None) -> list[Resource]:
        """Current resources of a type (optionally of one patient), in insertion order."""
        sql = "SELECT id, version, json FROM fhir_resource WHERE type = ? AND deleted = 0"
        args: tuple[str, ...] = (rtype,)
        if patient is not None:
            sql += " AND patient = ?"
            args = (rtype, patient)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", args).fetchall()
            return [self._parsed(rtype, rid, version, text) for rid, version, text in rows]

    def _parsed(self, rtype: str, rid: str, version: int, text: str) -> Resource:
        cached = self._cache.get((rtype, rid))
        if cached is not None and cached[0] == version:
            return cached[1]
        resource: Resource = json.loads(text)
        self._cache[(rtype, rid)] = (version, resource)
        return resource

    def is_empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM fhir_resource LIMIT 1").fetchone() is None

    # -- writes --------------------------------------------------------------------------------

    def new_id(self) -> str:
        return self._new_id()

    def create(self, resource: Resource, *, patient: str | None, keep_id: bool = False) -> Stored:
        """Store version 1; the id is server-assigned unless keep_id and the resource has one."""
        rid = resource["id"] if keep_id and resource.get("id") else self._new_id()
        return self._write(resource, rid, 1, patient)

    def update(self, resource: Resource, *, patient: str | None) -> Stored:
        """Store the next version of resource["id"] (version 1 when it did not exist)."""
        current = self.read(resource["resourceType"], resource["id"])
        version = current.version + 1 if current else 1
        return self._write(resource, resource["id"], version, patient)

    def delete(self, rtype: str, rid: str) -> Stored | None:
        with self.atomic():
            current = self.read(rtype, rid)
            if current is None or current.deleted:
                return current
            version, updated = current.version + 1, format_instant(self._clock())
            self._db.execute(
                "UPDATE fhir_resource SET version = ?, last_updated = ?, deleted = 1"
                " WHERE type = ? AND id = ?",
                (version, updated, rtype, rid),
            )
            self._db.execute(
                "INSERT INTO fhir_version VALUES (?, ?, ?, ?, 1, '{}')",
                (rtype, rid, version, updated),
            )
        return Stored(rtype, rid, version, updated, None)

    def load(self, resources: Iterable[tuple[Resource, str | None]]) -> None:
        """Stores each (resource, its patient) as version 1 under its own id, in one
        transaction, returning nothing (a cohort's first load)."""
        with self.atomic():
            for resource, patient in resources:
                self._insert(resource, resource["id"], 1, patient)

    def _write(self, resource: Resource, rid: str, version: int, patient: str | None) -> Stored:
        text, updated = self._insert(resource, rid, version, patient)
        # A copy of its own, read back from the stored text (several times quicker than a deep
        # copy): what the caller holds and what is returned share nothing.
        return Stored(resource["resourceType"], rid, version, updated, json.loads(text))

    def _insert(self, resource: Resource, rid: str, version: int,
                patient: str | None) -> tuple[str, str]:
        """Writes the version, stamped with its id and meta; returns its text and time."""
        rtype = resource["resourceType"]
        updated = format_instant(self._clock())
        meta = {**(resource.get("meta") or {}), "versionId": str(version), "lastUpdated": updated}
        text = json.dumps({**resource, "id": rid, "meta": meta}, separators=(",", ":"),
                          ensure_ascii=False)
        with self.atomic():
            self._db.execute(
                "INSERT INTO fhir_resource"
                " (type, id, version, last_updated, deleted, patient, json)"
                " VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (type, id) DO UPDATE SET"
                " version = excluded.version, last_updated = excluded.last_updated,"
                " deleted = 0, patient = excluded.patient, json = excluded.json",
                (rtype, rid, version, updated, patient, text),
            )
            self._db.execute(
                "INSERT INTO fhir_version VALUES (?, ?, ?, ?, 0, ?)",
                (rtype, rid, version, updated, text),
            )
        return text, updated

    def copy_into(self, other: Store) -> None:
        """Replaces everything in `other` with a copy of this store, page by page (SQLite's
        backup: no resource is parsed or written again)."""
        with self._lock, other._lock:
            self._db.backup(other._db)
            other._cache.clear()

    def close(self) -> None:
        self._db.close()
