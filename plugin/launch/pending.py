"""Pending launches, between /launch and /callback: their bounds and their browser binding.

Bounds: every launch parameter has a size limit, and launches started are counted per client
address and in all with the store's atomic ``incr`` (a fixed window of ``PENDING_TTL``), so one
request cannot store a huge row and one client cannot fill the store.

Binding: /launch sets the browser cookie; ``bind_pending`` (at /launch/check) binds the pending
launch to it when it came back, or else to a fresh random value the starting page keeps in its
own state; ``needs_page_value`` tells /callback which proof to ask for. Launches.complete checks
the proof before the code is used.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from plugin.launch.errors import LaunchBusy, LaunchExpired, LaunchLimited
from plugin.launch.session_store import SessionStore
from smart_launch import PendingAuthorization

__all__ = [
    "MAX_PARAMETER", "MAX_PENDING_PER_ADDRESS", "MAX_PENDING_TOTAL", "PENDING_TTL", "Binding",
    "bind_pending", "count_pending", "digest", "needs_page_value",
]

log = logging.getLogger(__name__)

PENDING_TTL = 600.0
MAX_PARAMETER = 2048  # characters in iss, launch and every other launch parameter
MAX_PENDING_PER_ADDRESS = 30  # launches started from one client address per PENDING_TTL
MAX_PENDING_TOTAL = 5000  # launches started in all per PENDING_TTL


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Binding:
    """How /launch/check left the pending launch: by cookie, or by a value in page state."""

    kind: str  # "cookie" | "page"
    authorize_url: str
    page_value: str | None = None  # for "page": what the page keeps in its own state


def count_pending(store: SessionStore, address: str) -> None:
    """Refuse a launch beyond the bounds on pending launches (LaunchLimited, LaunchBusy)."""
    if store.incr("pending_from", address, PENDING_TTL) > MAX_PENDING_PER_ADDRESS:
        log.warning("too many launches started from one address")
        raise LaunchLimited(
            "Too many launches were started from this address in the last ten minutes. "
            "Wait a few minutes, then launch the app again from the chart.")
    if store.incr("pending_all", "all", PENDING_TTL) > MAX_PENDING_TOTAL:
        log.warning("too many launches pending in all")
        raise LaunchBusy(
            "The app is handling too many sign-ins right now. Try again in a few minutes.")


def bind_pending(
    store: SessionStore, state: str, browser_key: str | None, clock: Callable[[], float]
) -> Binding:
    """Did the cookie /launch set come back? Then bind to it; else to a fresh random value
    that the check page keeps in its own state (sessionStorage)."""
    record = store.get("state", state) if state else None
    if record is None or record.get("binding") != "unknown":
        raise LaunchExpired(
            "This sign-in has expired or was already used. Open Alliance Panel again from "
            "the patient's chart.", code="launch.unknown_state")
    ttl = max(1.0, PendingAuthorization.from_dict(record["pending"]).expires_at - clock())
    if browser_key and hmac.compare_digest(digest(browser_key), record["browser"]):
        store.put("state", state, {**record, "binding": "cookie"}, ttl)
        return Binding("cookie", record["authorize"])
    value = secrets.token_urlsafe(32)
    store.put("state", state, {**record, "binding": "page", "page": digest(value)}, ttl)
    return Binding("page", record["authorize"], value)


def needs_page_value(store: SessionStore, state: str, browser_key: str | None) -> bool:
    """True when the callback must bring the page's value: page-bound and no matching cookie."""
    record = store.get("state", state) if state else None
    if record is None or record.get("binding") != "page":
        return False
    return not (browser_key and hmac.compare_digest(digest(browser_key), record["browser"]))
