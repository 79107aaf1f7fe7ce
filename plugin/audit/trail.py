"""The app's audit trail: every AuditEvent is first written to a local spool (SQLite, one
transaction, durable before `record` returns), then delivered to its destination, the local
JSON-lines log or the record store, by `deliver_pending` (called as each request that spooled
an event ends, plugin/web/audit_hooks.py; directly in tests). Delivery that fails leaves the
events in the spool with the error and is tried again; nothing is dropped. `health()` says
how many wait and since when, for readiness and metrics.

With several EHRs each event is spooled with the EHR (issuer) it concerns, and ``route`` gives
each EHR's own destination (its companion record store): events are delivered per EHR, never
to another's, and one EHR's failing store does not hold back the others' events. Events
spooled before the spool recorded an EHR have none (``route(None)``).

Each event carries a ``meta.tag`` with a random id, and a FHIR destination creates it
conditionally on that tag, so a delivery repeated after a lost answer stores it once.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from fhir_profiles import CANONICAL
from plugin.audit.errors import AuditSinkError
from plugin.audit.sink import JsonLinesSink
from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError
from plugin.launch.sqlite_wal import open_wal

log = logging.getLogger(__name__)

EVENT_TAG_SYSTEM = f"{CANONICAL}/identifier/audit-event"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY, created REAL NOT NULL, "
           "body TEXT NOT NULL, attempts INTEGER DEFAULT 0, iss TEXT)")
Deliver = Callable[[Sequence[dict[str, Any]]], None]
Route = Callable[[str | None], Deliver]  # an EHR's destination (None: events of no known EHR)


@dataclass(frozen=True)
class TrailHealth:
    pending: int
    oldest_age: float  # seconds the oldest waiting event has waited; 0 when none
    last_error: str | None  # the machine code of the last failed delivery

    @property
    def ok(self) -> bool:
        return self.last_error is None


def deliver_to_log(sink: JsonLinesSink) -> Deliver:
    def deliver(events: Sequence[dict[str, Any]]) -> None:
        sink.append_many(events)
    return deliver


def deliver_to_fhir(client: FhirClient) -> Deliver:
    """One batch of conditional creates; any entry that did not succeed fails the delivery."""
    def deliver(events: Sequence[dict[str, Any]]) -> None:
        entries = []
        for event in events:
            tag = event["meta"]["tag"][0]
            entries.append({"resource": event, "request": {
                "method": "POST", "url": "AuditEvent",
                "ifNoneExist": f"_tag={tag['system']}|{tag['code']}"}})
        answer = client.transaction({"resourceType": "Bundle", "type": "batch",
                                     "entry": entries}, idempotent=True)
        for entry in answer.get("entry") or []:
            status = str((entry.get("response") or {}).get("status", ""))
            if not status.startswith("2"):
                raise FhirError(f"the record store refused an AuditEvent ({status})")
    return deliver


def _keep_private(spool: Path) -> None:
    """The spool (it names who opened which patient) readable by the owner only: created 0600
    before SQLite opens it (its -wal and -shm files take the same mode), and tightened if an
    older one is wider."""
    try:
        os.close(os.open(spool, os.O_WRONLY | os.O_CREAT, 0o600))
        for path in (spool, *(spool.with_name(spool.name + s) for s in ("-wal", "-shm"))):
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
    except OSError as err:
        raise AuditSinkError(f"the audit spool {spool} cannot be created: {err.strerror}") from err


class AuditTrail:
    def __init__(self, spool: Path, deliver: Deliver, *, clock: Callable[[], float] = time.time,
                 batch: int = 50, route: Route | None = None) -> None:
        """``deliver``: the one destination of every event; ``route``, when given, instead
        gives each EHR's own destination."""
        self._path = Path(spool)
        self._deliver = deliver
        self._route = route
        self._clock = clock
        self._batch = batch
        self._lock = threading.Lock()
        self._last_error: str | None = None
        self._local = threading.local()
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _keep_private(self._path)
        with self._connect() as db:  # the spool exists, in WAL mode, before the first request
            if "iss" not in {row[1] for row in db.execute("PRAGMA table_info(pending)")}:
                try:  # a spool written before events named their EHR
                    db.execute("ALTER TABLE pending ADD COLUMN iss TEXT")
                except sqlite3.OperationalError:  # another worker added it just now
                    pass

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened once (opening costs more than the write); a
        connection that failed is dropped and opened afresh next time."""
        db = getattr(self._local, "db", None)
        if db is None:
            # Workers starting together open it at once: open_wal serialises the first open.
            db = open_wal(self._path, timeout=10, schema=(_SCHEMA, "PRAGMA synchronous=FULL"))
            self._local.db = db
        try:
            yield db
        except sqlite3.Error:
            self._local.db = None
            db.close()
            raise

    def record(self, event: dict[str, Any], iss: str | None = None) -> None:
        """Spool one AuditEvent durably; raises AuditSinkError when even that is impossible."""
        self.record_many([event], iss)

    def record_many(self, events: Sequence[dict[str, Any]], iss: str | None = None) -> None:
        """Spool several AuditEvents of one EHR (`iss`) in one transaction (one fsync for a
        panel view's reads)."""
        rows = [(self._clock(), json.dumps({**e, "meta": {**e.get("meta", {}), "tag": [
            {"system": EVENT_TAG_SYSTEM, "code": str(uuid.uuid4())}]}}), iss) for e in events]
        try:
            with self._connect() as db:  # this thread's connection; SQLite serialises writers
                db.execute("BEGIN")
                db.executemany("INSERT INTO pending (created, body, iss) VALUES (?, ?, ?)",
                               rows)
                db.execute("COMMIT")
        except sqlite3.Error as err:
            log.error("audit spool %s cannot be written: %s", self._path, type(err).__name__)
            raise AuditSinkError(f"the audit spool {self._path} cannot be written") from err

    def deliver_pending(self, *, wait: bool = True) -> int:
        """Deliver the oldest waiting events, one batch; how many were delivered. With
        ``wait=False`` a delivery already running in another thread is left to finish it."""
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            return self._deliver_batch()
        finally:
            self._lock.release()

    def _deliver_batch(self) -> int:
        with self._connect() as db:
            if self._route is None:
                return self._deliver_rows(db, self._deliver, db.execute(
                    "SELECT id, body FROM pending ORDER BY id LIMIT ?", (self._batch,)).fetchall())
            delivered, errors = 0, []
            for (iss,) in db.execute("SELECT DISTINCT iss FROM pending").fetchall():
                rows = db.execute("SELECT id, body FROM pending WHERE iss IS ? ORDER BY id "
                                  "LIMIT ?", (iss, self._batch)).fetchall()
                delivered += self._deliver_rows(db, partial(self._route_to, iss), rows)
                errors.append(self._last_error)
            self._last_error = next((e for e in errors if e), None)
            return delivered

    def _route_to(self, iss: str | None, events: Sequence[dict[str, Any]]) -> None:
        assert self._route is not None
        self._route(iss)(events)

    def _deliver_rows(self, db: sqlite3.Connection, deliver: Deliver,
                      rows: list[tuple[int, str]]) -> int:
        if not rows:
            self._last_error = None
            return 0
        try:
            deliver([json.loads(body) for _, body in rows])
        except (AuditSinkError, FhirError) as err:
            self._last_error = err.code
            db.execute(f"UPDATE pending SET attempts = attempts + 1 WHERE id IN "  # noqa: S608
                       f"({','.join('?' * len(rows))})", [r[0] for r in rows])
            log.warning("audit delivery failed (%s); %d event(s) kept", err.code, len(rows))
            return 0
        db.execute(f"DELETE FROM pending WHERE id IN "  # noqa: S608 - placeholders only
                   f"({','.join('?' * len(rows))})", [r[0] for r in rows])
        self._last_error = None
        return len(rows)

    def health(self) -> TrailHealth:
        """Pending events and the last delivery error; pending is -1 when the spool itself
        cannot be read."""
        try:
            with self._connect() as db:
                count, oldest = db.execute(
                    "SELECT COUNT(*), MIN(created) FROM pending").fetchone()
        except sqlite3.Error:
            return TrailHealth(-1, 0.0, AuditSinkError.code)
        age = max(0.0, self._clock() - oldest) if oldest is not None else 0.0
        return TrailHealth(int(count), age, self._last_error)
