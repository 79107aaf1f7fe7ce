"""Pending launches, between /launch and /callback: their bounds and their browser binding.

Bounds: every launch parameter has a size limit, and launches started are counted per browser,
per client prefix and in all with the store's atomic ``incr`` (a fixed window of
``PENDING_TTL``), so one request cannot store a huge row, one browser cannot spend its clinic's
launches and one client cannot fill the store.

- A browser is its launch-binding cookie (its digest): 32 launches per window. A clinician
  opens a chart at most every few seconds; the busiest browser of a simulated clinic morning
  (benchmarks/clinic_morning.py) started 16, so the limit is twice that. A launch refused here
  is not counted against the browser's address, so the clinic's other browsers go on. A browser
  without the cookie (a first launch, a frame that blocks cookies) counts against its address
  only. Every launch request also counts as an attempt of its prefix (3,000 per window, ten
  times its launches), and past them nothing else is counted or created for it.
- A client is its prefix (``client_prefix``): an IPv4 address, or the /64 of an IPv6 address
  (one host is handed a whole /64, so its addresses are one client): 300 launches per window,
  twice the busiest ten minutes of 40 clinicians behind one address (149, the same simulation;
  docs/security.md).
- Past ``MAX_PENDING_TOTAL`` in all, a prefix may start ``fair_share(total)`` launches: the
  ceiling scaled by ``MAX_PENDING_TOTAL / total``, never under ``MIN_SHARE``. The heaviest
  prefixes are refused first (503). A flood from P prefixes counts at most 300 * P, so every
  prefix keeps a share of at least ``MAX_PENDING_TOTAL / P``: 180 flooding prefixes (54,000
  launches) leave each prefix 166, more than a clinic's busiest window. In all, no more than
  ``MAX_PENDING_TOTAL * CEILING_FACTOR`` are counted per window, whatever the number of
  prefixes (the store's bound). Only counters are used, so every session store (SQLite,
  PostgreSQL, Redis) keeps them the same way.

Binding: /launch sets the browser cookie; ``bind_pending`` (at /launch/check) binds the pending
launch to it when it came back, or else to a fresh random value the starting page keeps in its
own state; ``needs_page_value`` tells /callback which proof to ask for. Launches.complete checks
the proof before the code is used.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from plugin.launch.errors import LaunchBusy, LaunchExpired, LaunchLimited
from plugin.launch.session_store import SessionStore
from plugin.wording import pages as page_words
from smart_launch import PendingAuthorization

__all__ = [
    "MAX_ATTEMPTS_PER_ADDRESS", "MAX_PARAMETER", "MAX_PENDING_PER_ADDRESS",
    "MAX_PENDING_PER_BROWSER", "MAX_PENDING_TOTAL", "MIN_SHARE", "PENDING_TTL",
    "Binding", "bind_pending", "client_prefix", "count_pending", "digest", "fair_share",
    "needs_page_value",
]

log = logging.getLogger(__name__)

PENDING_TTL = 600.0
MAX_PARAMETER = 2048  # characters in iss, launch and every other launch parameter
MAX_PENDING_PER_BROWSER = 32  # launches started from one browser (its cookie) per PENDING_TTL
MAX_PENDING_PER_ADDRESS = 300  # launches started from one client prefix per PENDING_TTL
MAX_ATTEMPTS_PER_ADDRESS = 3_000  # launch requests of any kind from one prefix per PENDING_TTL
MAX_PENDING_TOTAL = 30_000  # launches in all per PENDING_TTL before each prefix gets a share
MIN_SHARE = 3  # the least share of a prefix, however heavy the flood
CEILING_FACTOR = 2  # no more than MAX_PENDING_TOTAL times this in all, whatever the share


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Binding:
    """How /launch/check left the pending launch: by cookie, or by a value in page state."""

    kind: str  # "cookie" | "page"
    authorize_url: str
    page_value: str | None = None  # for "page": what the page keeps in its own state


def client_prefix(address: str) -> str:
    """Whom a launch is counted against: an IPv4 address, the /64 of an IPv6 one (an
    IPv4-mapped IPv6 address is its IPv4 address); anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def fair_share(total: int) -> int:
    """How many launches one prefix may have started when ``total`` were started in all."""
    if total <= MAX_PENDING_TOTAL:
        return MAX_PENDING_PER_ADDRESS
    return max(MIN_SHARE, MAX_PENDING_PER_ADDRESS * MAX_PENDING_TOTAL // total)


def count_pending(store: SessionStore, address: str, browser_key: str | None = None) -> None:
    """Refuse a launch beyond the bounds on pending launches: LaunchLimited (429) past the
    browser's own bound or the prefix's, LaunchBusy (503) past its fair share of a full store.
    A launch its browser's bound refuses is not counted against the prefix's launches, only
    against its attempts (ten times as many): a browser counter is created only for an attempt
    within them, so cookie values made up by the thousand cannot fill the store."""
    prefix = client_prefix(address)
    attempts = store.incr("attempts_from", prefix, PENDING_TTL)
    if attempts > MAX_ATTEMPTS_PER_ADDRESS:
        log.warning("too many launch attempts from one address")
        raise LaunchLimited(page_words.TOO_OFTEN_FROM_CLINIC)
    if browser_key:
        opened = store.incr("pending_browser", digest(browser_key), PENDING_TTL)
        if opened > MAX_PENDING_PER_BROWSER:
            log.warning("too many launches started from one browser")
            raise LaunchLimited(page_words.TOO_OFTEN_FROM_BROWSER,
                                code="launch.too_many_from_browser")
    started = store.incr("pending_from", prefix, PENDING_TTL)
    if started > MAX_PENDING_PER_ADDRESS:
        log.warning("too many launches started from one address")
        raise LaunchLimited(page_words.TOO_OFTEN_FROM_CLINIC)
    total = store.incr("pending_all", "all", PENDING_TTL)
    if total > MAX_PENDING_TOTAL * CEILING_FACTOR or started > fair_share(total):
        log.warning("too many launches pending in all")
        raise LaunchBusy(page_words.TOO_OFTEN)


def bind_pending(
    store: SessionStore, state: str, browser_key: str | None, clock: Callable[[], float]
) -> Binding:
    """Did the cookie /launch set come back? Then bind to it; else to a fresh random value
    that the check page keeps in its own state (sessionStorage)."""
    record = store.get("state", state) if state else None
    if record is None or record.get("binding") != "unknown":
        raise LaunchExpired(page_words.SIGN_IN_SPENT, code="launch.unknown_state")
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
