"""Is this instance ready for traffic? Three checks, each a name, a verdict and a plain detail:

- the session store answers (every request needs it: without it no launch can be read);
- the keys are loaded (the secret key, and the private key when private_key_jwt is used);
- the outbox is not stuck: no queued save older than `STUCK_AFTER` (project default: 15
  minutes, three times the longest retry backoff a FHIR outage normally needs). The outbox
  (plugin/recording/outbox.py) keeps each save in the session store, kind "outbox", with its
  `state` and the time it was first written, `created` (epoch seconds); sent ones stay a while
  and do not count.

Liveness (/healthz) asks none of these: a restart does not fix an unreachable database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from plugin.launch.errors import StoreUnavailable
from plugin.launch.session_store import SessionStore

STUCK_AFTER = 15 * 60.0
OUTBOX_KIND = "outbox"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_store(store: SessionStore) -> Check:
    try:
        store.get("readiness", "probe")
    except StoreUnavailable as err:
        return Check("session_store", False, err.message)
    return Check("session_store", True, "answers")


def check_keys(secret_key: str, load_private_key: Callable[[], object] | None) -> Check:
    if len(secret_key) < 32:
        return Check("keys", False, "the secret key is missing or short")
    if load_private_key is not None:
        try:
            load_private_key()
        except (ValueError, TypeError) as err:
            return Check("keys", False, f"the private key cannot be used ({type(err).__name__})")
    return Check("keys", True, "loaded")


def check_outbox(store: SessionStore, clock: Callable[[], float] = time.time) -> Check:
    try:
        queued = store.values(OUTBOX_KIND)
    except StoreUnavailable as err:
        return Check("outbox", False, err.message)
    now = clock()
    queued = [v for v in queued if v.get("state") == "queued"]
    ages = [now - float(v["created"]) for v in queued
            if isinstance(v.get("created"), int | float)]
    stuck = [age for age in ages if age > STUCK_AFTER]
    if stuck:
        return Check("outbox", False, f"{len(stuck)} queued save(s) waiting for more than "
                     f"{int(STUCK_AFTER // 60)} minutes (oldest {int(max(stuck) // 60)} min)")
    return Check("outbox", True, f"{len(queued)} queued")


def readiness(checks: list[Check]) -> tuple[bool, dict[str, object]]:
    ready = all(c.ok for c in checks)
    return ready, {"status": "ready" if ready else "not ready",
                   "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
