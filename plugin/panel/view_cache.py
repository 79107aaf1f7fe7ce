"""Each launch's panel view, kept in this process between views while its data is unchanged.

Every view still reads the patient's records from FHIR (one round trip: they may have changed
since). What the cache saves is the work after the read: scoring every response and running
every alert rule again, most of the app's time per view for a long course. An entry is used
only when its fingerprint matches: every resource read (type, id, ``meta.versionId``,
``meta.lastUpdated``, or its whole content when the server sends neither), the session in
context, the day and the norms. So a view served from the cache is the view ``build_panel``
would build from the same read, and an instance that has not seen the launch builds the same
page; nothing is shared between processes. Bounded: at most ``capacity`` launches, the least
recently viewed dropped first (see docs/performance.md for the memory per entry).
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from collections import OrderedDict
from typing import Any

import orjson

from plugin.alliance import NormSet
from plugin.panel.reads import PanelReads
from plugin.panel.view import PanelView, build_panel

CAPACITY = 32  # launches per process (project default; 0.7 MB each for a 150-session course)


def _mark(resource: dict[str, Any]) -> Any:
    """Which version of a resource this is: its meta, or its content when it has none."""
    meta = resource.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    version, updated = meta.get("versionId"), meta.get("lastUpdated")
    if version in (None, "") and updated in (None, ""):
        return resource  # nothing says which version this is: the content itself is the version
    return (resource.get("resourceType"), resource.get("id"), version, updated)


def fingerprint(reads: PanelReads, encounter_id: str | None, today: datetime.date,
                norms: NormSet | None) -> bytes:
    """What the panel's view depends on, as a digest: equal digests, equal views."""
    marks = [encounter_id, today.isoformat(), id(norms), reads.notes, _mark(reads.patient)]
    for resources in (reads.encounters, reads.appointments, reads.responses):
        marks.append([_mark(r) for r in resources])
    return hashlib.blake2b(orjson.dumps(marks, option=orjson.OPT_SORT_KEYS),
                           digest_size=20).digest()


class PanelCache:
    """Launch handle -> (fingerprint, view), least recently used first out; thread-safe."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        # handle -> (fingerprint, view, what the web layer drew from that view, by its own key)
        self._entries: OrderedDict[str, tuple[bytes, PanelView, dict[Any, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def view(self, handle: str, reads: PanelReads, encounter_id: str | None,
             today: datetime.date, norms: NormSet | None) -> PanelView:
        """The view of this read: the kept one when nothing it depends on changed, else built."""
        key = fingerprint(reads, encounter_id, today, norms)
        with self._lock:
            found = self._entries.get(handle)
            if found is not None and found[0] == key:
                self._entries.move_to_end(handle)
                self.hits += 1
                return found[1]
        view = build_panel(reads, encounter_id, today, norms)  # outside the lock: the slow part
        with self._lock:
            self.misses += 1
            self._entries[handle] = (key, view, {})
            self._entries.move_to_end(handle)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return view

    def drawn(self, handle: str, view: PanelView) -> dict[Any, Any]:
        """A place to keep what is drawn from ``view`` (HTML), kept and dropped with it; a fresh
        one when ``view`` is no longer the launch's kept view."""
        with self._lock:
            found = self._entries.get(handle)
            return found[2] if found is not None and found[1] is view else {}

    def forget(self, handle: str) -> None:
        with self._lock:
            self._entries.pop(handle, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
