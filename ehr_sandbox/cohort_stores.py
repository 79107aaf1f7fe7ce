"""The cohort stored once per process and copied into each new sandbox's store.

Storing the cohort (about 4,700 resources, 7 MB of JSON) takes about a second of CPU, and the
tests start a sandbox for most tests. So a process keeps the stored cohort of each (seed, day,
contributors) in memory and copies it into each empty store, page by page, in milliseconds.
The copied resources carry the time they were first stored (`meta.lastUpdated`); a store
whose clock reads earlier than that gets the cohort stored afresh, so nothing is ever stamped
after its store's own now. The cohort refers to its resources by relative reference only, so
what is stored does not depend on the server's base, and one copy serves sandboxes on any base.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ehr_sandbox.cohort import CONTRIBUTORS, Contributor, build_cohort, load_cohort
from ehr_sandbox.fhir.store import Store
from ehr_sandbox.settings import SandboxSettings

KEPT = 4  # stored cohorts one process keeps (each about 20 MB)


@dataclass(frozen=True)
class _Kept:
    store: Store
    stored_at: float
    count: int


_lock = threading.Lock()
_kept: dict[tuple[int, date, tuple[Contributor, ...]], _Kept] = {}


def fill(store: Store, settings: SandboxSettings) -> int:
    """The cohort of `settings` into `store` if it is empty; returns how many resources were
    stored (0 when the store already held resources, or `settings.load_cohort` is off)."""
    if not settings.load_cohort or not store.is_empty():
        return 0
    contributors = CONTRIBUTORS if settings.alliance_histories else ()
    now = settings.clock()
    key = (settings.seed, datetime.fromtimestamp(now, tz=UTC).date(), contributors)
    with _lock:
        kept = _kept.get(key)
        if kept is None or kept.stored_at > now:
            kept = _store(settings.seed, now, contributors, settings.fhir_base)
            _kept.pop(key, None)
            while len(_kept) >= KEPT:
                _kept.pop(next(iter(_kept))).store.close()
            _kept[key] = kept
        kept.store.copy_into(store)
    return kept.count


def _store(seed: int, now: float, contributors: tuple[Contributor, ...],
           fhir_base: str) -> _Kept:
    cohort = build_cohort(seed, now, contributors)
    store = Store(":memory:", lambda: now)
    return _Kept(store, now, load_cohort(store, cohort, fhir_base))
