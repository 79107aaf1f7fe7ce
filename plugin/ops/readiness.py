"""Is this instance ready for traffic? Answered in two parts.

The instance itself (`checks`; any one failing makes /readyz 503): each a name, a verdict and a
plain detail:
- the session store answers (every request needs it: without it no launch can be read);
- the keys are loaded (the secret key, and the private key when private_key_jwt is used);
- the metrics folder is there and writable, and the samples in it can be read (under
  `alliance serve --workers N` every request writes there: a worker that cannot is broken);
- the audit trail's own spool and log (plugin/web/ops_routes.py adds it).

Each EHR (`issuers`; never a 503): the outbox per configured issuer, its queued saves and how
long the oldest has waited; "stuck" once one waits longer than `STUCK_AFTER` (project default:
15 minutes, three times the longest retry backoff a FHIR outage normally needs). One EHR's
outage must not take the app away from the others behind a balancer that routes on /readyz.
The outbox (plugin/recording/outbox.py) keeps each save in the session store, kind "outbox",
with its `iss`, `state` and the time it was first written, `created` (epoch seconds).

Liveness (/healthz) asks none of these: a restart does not fix an unreachable database.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from plugin.launch.errors import StoreUnavailable
from plugin.launch.session_store import SessionStore
from plugin.ops.metrics import AVAILABLE as METRICS_AVAILABLE
from plugin.ops.metrics import UNCONFIGURED, exposition

STUCK_AFTER = 15 * 60.0
OUTBOX_KIND = "outbox"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class IssuerOutbox:
    """One EHR's queued saves: how many, and how long the oldest has waited (0 when none)."""

    queued: int = 0
    oldest_age: float = 0.0

    @property
    def stuck(self) -> bool:
        return self.oldest_age > STUCK_AFTER


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


def check_metrics() -> Check:
    """The workers' shared metrics folder (when there is one) is usable and readable."""
    if not METRICS_AVAILABLE:
        return Check("metrics", True, "off (the metrics extra is not installed)")
    named = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if named:
        folder = Path(named)
        if not folder.is_dir():
            return Check("metrics", False, f"the metrics folder {folder} is gone: restart the "
                         "instance (its workers cannot record or report metrics)")
        if not os.access(folder, os.W_OK | os.X_OK):
            return Check("metrics", False, f"the metrics folder {folder} is not writable")
    try:
        exposition()
    except (OSError, ValueError) as err:
        return Check("metrics", False, f"the metrics cannot be read ({type(err).__name__})")
    return Check("metrics", True, "shared folder" if named else "in process")


def outbox_by_issuer(store: SessionStore, issuers: Iterable[str],
                     clock: Callable[[], float] = time.time) -> dict[str, IssuerOutbox]:
    """Queued saves per configured issuer (each listed, empty or not); saves of an issuer no
    longer configured are counted under "unconfigured". Raises StoreUnavailable."""
    configured = {iss.rstrip("/"): iss for iss in issuers}
    ages: dict[str, list[float]] = {iss: [] for iss in configured.values()}
    now = clock()
    for item in store.values(OUTBOX_KIND):
        if item.get("state") != "queued":
            continue
        label = configured.get(str(item.get("iss") or "").rstrip("/"), UNCONFIGURED)
        created = item.get("created")
        age = now - float(created) if isinstance(created, int | float) else 0.0
        ages.setdefault(label, []).append(max(age, 0.0))
    return {iss: IssuerOutbox(len(found), max(found, default=0.0))
            for iss, found in ages.items()}


def describe_issuers(outboxes: dict[str, IssuerOutbox]) -> dict[str, dict[str, object]]:
    """Each EHR's state for /readyz: "ok", or "stuck" with how long its oldest save waited."""
    described: dict[str, dict[str, object]] = {}
    for iss, box in outboxes.items():
        detail = f"{box.queued} queued"
        if box.stuck:
            detail = (f"{box.queued} queued save(s), the oldest waiting {int(box.oldest_age // 60)}"
                      f" min (more than {int(STUCK_AFTER // 60)}): is this EHR's record store "
                      "reachable?")
        described[iss] = {"state": "stuck" if box.stuck else "ok", "queued": box.queued,
                          "oldest_age_seconds": round(box.oldest_age, 1), "detail": detail}
    return described


def readiness(checks: list[Check], issuers: dict[str, dict[str, object]] | None = None,
              ) -> tuple[bool, dict[str, object]]:
    """Ready when every check of the instance itself passes, whatever any one EHR's state."""
    ready = all(c.ok for c in checks)
    return ready, {"status": "ready" if ready else "not ready",
                   "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
                   "issuers": issuers or {}}
