"""Launches: from a SMART launch request to a stored, per-launch context behind a random handle.

Framework-free; plugin/web calls it. Each launch gets its own handle, so two charts open in one
browser never share a patient. A launch may be bound to a browser cookie when the browser keeps
cookies; a browser that blocks them (third-party frames) is served by the handle alone.

Bounds: every launch parameter has a size limit; pending launches are counted per browser, per
client address and in all (the store's atomic ``incr``, a fixed ten-minute window); each launch
stores its absolute expiry (``session_hours`` after sign-in) and no refresh, rotation or
hand-off ever moves it. ``rotate`` gives a launch a new handle and kills the old one (the
hand-off uses it); ``rotated_out`` tells such a handle from one that ended by its lifetime.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from plugin.config import Settings
from plugin.launch.errors import LaunchExpired, LaunchRefused
from plugin.launch.issuers import IssuerSettings
from plugin.launch.pending import (
    MAX_PARAMETER,
    PENDING_TTL,
    Binding,
    bind_pending,
    count_pending,
    digest,
    needs_page_value,
)

__all__ = ["MAX_PARAMETER", "PENDING_TTL", "Binding", "Launches", "StartedLaunch"]
from plugin.launch.scopes import NEEDS, PATIENT_NEEDS, PATIENT_STANDALONE_SCOPES
from plugin.launch.session_store import SessionStore
from plugin.launch.store_lock import StoreLock
from plugin.wording import pages as page_words
from smart_launch import (
    ConfigurationError,
    LaunchContext,
    PendingAuthorization,
    SmartClient,
    normalize_iss,
)
from smart_launch.limits import ReadLimits

log = logging.getLogger(__name__)

ROTATED = "launch-rotated"  # a handle replaced by `rotate`, kept for the launch's lifetime




@dataclass(frozen=True)
class StartedLaunch:
    authorize_url: str
    browser_key: str  # the value for the browser-binding cookie
    fhir_base: str  # the launching issuer, normalised
    state: str
    cookie_known: bool  # the browser sent our cookie: it keeps cookies, go straight on


class Launches:
    def __init__(
        self,
        settings: Settings,
        client: SmartClient | Mapping[str, SmartClient],
        store: SessionStore,
        *,
        clock: Callable[[], float] = time.time,
        issuers: Mapping[str, IssuerSettings] | None = None,
        store_lock: StoreLock | None = None,
    ) -> None:
        """``client``: one SmartClient for every allowed issuer, or one per issuer (its own
        client id and credentials, so they only ever reach that issuer's server)."""
        self._settings = settings
        allowed = {normalize_iss(i) for i in settings.allowed_iss}
        self._clients = ({normalize_iss(i): c for i, c in client.items()}
                         if isinstance(client, Mapping) else dict.fromkeys(allowed, client))
        self._issuers = {normalize_iss(i): s for i, s in (issuers or {}).items()}
        self._store = store
        self._clock = clock
        self._allowed = allowed & set(self._clients)
        # Striped locks: bounded memory however many launches a process sees. They keep a
        # process's own threads off the store; the store lock excludes the other processes.
        self._refresh_locks = [threading.Lock() for _ in range(64)]
        self._store_lock = store_lock or StoreLock(store)

    def _client_for(self, iss: str) -> SmartClient:
        client = self._clients.get(normalize_iss(iss))
        if client is None:  # a launch stored before its issuer was removed from the settings
            raise LaunchExpired("This EHR is no longer configured. Open Alliance Panel again.",
                                code="launch.unknown_iss")
        return client

    def read_limits(self, iss: str) -> ReadLimits:
        """The bounds on this EHR's answers (its [issuers] table, else the top-level ones)."""
        issuer = self._issuers.get(normalize_iss(iss))
        return issuer.limits if issuer is not None else self._client_for(iss).limits

    def public_jwks(self) -> dict[str, Any]:
        """Every issuer client's public keys, once each (the app's one jwks_uri)."""
        keys: dict[str, dict[str, Any]] = {}
        for client in self._clients.values():
            for key in client.public_jwks()["keys"]:
                keys.setdefault(str(key.get("kid")), key)
        return {"keys": list(keys.values())}

    @property
    def store(self) -> SessionStore:
        """The server-side session store (the hand-off lock keeps its state there too)."""
        return self._store

    def begin(
        self, iss: str | None, launch: str | None, browser_key: str | None,
        address: str = "unknown", *, patient_facing: bool = False,
    ) -> StartedLaunch:
        """Check the issuer, then build the authorization redirect and remember its state.
        ``patient_facing``: a patient's own launch from a portal (PATIENT_NEEDS)."""
        for name, value in (("iss", iss), ("launch", launch)):
            if value is not None and len(value) > MAX_PARAMETER:
                raise LaunchRefused(
                    f"The launch's `{name}` is longer than {MAX_PARAMETER} characters; "
                    "it was not accepted.", code="launch.parameter_too_long")
        if not iss:
            raise LaunchRefused(
                "The app was opened without saying which EHR it belongs to. Open it from "
                "a patient's chart in the EHR (a developer testing it on its own can add the "
                "EHR's FHIR address to the link as ?iss=...).",
                code="launch.missing_iss",
            )
        try:
            base = normalize_iss(iss)
        except ConfigurationError:
            base = None
        if base is None or base not in self._allowed:
            # Refused before any request leaves the app.
            raise LaunchRefused(
                "This app is not configured for the FHIR server that launched it "
                f"({iss}). An administrator can add it to ALLIANCE_ALLOWED_ISS.",
                code="launch.unknown_iss",
            )
        count_pending(self._store, address, browser_key)
        issuer = self._issuers.get(base)
        asks: dict[str, Any] = {"needs": NEEDS}
        if patient_facing:
            asks = {"needs": PATIENT_NEEDS, "standalone_scopes": PATIENT_STANDALONE_SCOPES}
        if issuer is None:
            url, pending = self._clients[base].begin_launch(
                base, launch=launch or None, **asks)
        else:
            url, pending = self._clients[base].begin_launch(
                base, launch=launch or None, extra_scopes=issuer.extra_scopes,
                scope_syntax=issuer.scope_syntax, **asks)
        key = browser_key or secrets.token_urlsafe(32)
        record = {"pending": pending.to_dict(), "browser": digest(key), "authorize": url,
                  "binding": "cookie" if browser_key else "unknown", "page": None}
        self._store.put("state", pending.state, record, PENDING_TTL)
        log.info("launch started for %s (%s)", iss, "ehr" if launch else "standalone")
        return StartedLaunch(authorize_url=url, browser_key=key, fhir_base=base,
                             state=pending.state, cookie_known=browser_key is not None)

    def bind(self, state: str, browser_key: str | None) -> Binding:
        """After /launch set the cookie: bind the pending launch to it, or to page state."""
        return bind_pending(self._store, state, browser_key, self._clock)

    def needs_page_value(self, state: str, browser_key: str | None) -> bool:
        """True when the callback must come back with the page's value (no cookie kept)."""
        return needs_page_value(self._store, state, browser_key)

    def complete(
        self, params: Mapping[str, str], browser_key: str | None, page_value: str | None = None
    ) -> str:
        """Finish the authorization in the browser that started it; returns the new handle.

        The pending launch is bound by cookie (the cookie must come back and match) or by page
        state (the value the starting page kept must come back). A callback opened anywhere
        else is refused before the code is used, and the state stays for its own browser."""
        state = params.get("state") or ""
        record = self._store.get("state", state) if state else None
        if record is None:
            raise LaunchExpired(page_words.SIGN_IN_SPENT, code="launch.unknown_state")
        bound = browser_key is not None and hmac.compare_digest(
            digest(browser_key), record["browser"]
        )
        by_page = (record.get("binding") == "page" and page_value is not None
                   and hmac.compare_digest(digest(page_value), str(record.get("page"))))
        if not (bound or by_page):
            log.warning("callback refused: not the browser that started the launch")
            raise LaunchExpired(page_words.STARTED_ELSEWHERE, code="launch.other_browser")
        if self._store.take("state", state) is None:  # a parallel callback got there first
            raise LaunchExpired(page_words.SIGN_IN_SPENT, code="launch.unknown_state")
        pending = PendingAuthorization.from_dict(record["pending"])
        context = self._client_for(pending.iss).complete_launch(pending, params)
        handle = secrets.token_urlsafe(32)
        expires_at = self._clock() + self._settings.session_hours * 3600
        self._save(handle, context, record["browser"] if bound else None, expires_at)
        log.info("launch completed (browser-bound: %s)", bound)
        return handle

    def context(
        self, handle: str, browser_key: str | None, *, fresh: bool = True
    ) -> LaunchContext:
        """The launch's context; with `fresh`, refreshed first when its access token is about
        to expire. Requests of one launch arriving together (a page and its stylesheet) refresh
        once: the refresh token rotates, so a second use would be refused and end the launch."""
        return self._context(handle, browser_key, fresh=fresh, check_browser=True)

    def context_for_handoff(self, handle: str) -> LaunchContext:
        """The context of the launch a live client capability belongs to. The client's window
        is not the browser context that started the launch (another tab, or a frame's
        partition), so the browser binding is not asked for: the capability was."""
        return self._context(handle, None, fresh=True, check_browser=False)

    def context_for_server(self, handle: str) -> LaunchContext:
        """The launch's context for the app's own work (the outbox sending a queued save),
        refreshed like `context`; not tied to a browser, never handed to one."""
        return self._context(handle, None, fresh=True, check_browser=False)

    def _context(
        self, handle: str, browser_key: str | None, *, fresh: bool, check_browser: bool
    ) -> LaunchContext:
        context, bound, expires_at = self._load(handle, browser_key, check_browser)
        if not (fresh and context.is_expired(self._clock()) and context.refresh_token):
            return context
        # One refresh across threads (the striped lock) and across instances (the store lock).
        with self._refresh_lock(handle), self._store_lock.hold(f"refresh:{digest(handle)}"):
            # another request may have done it
            context, bound, expires_at = self._load(handle, browser_key, check_browser)
            if context.is_expired(self._clock()) and context.refresh_token:
                context = self._client_for(context.iss).refresh(context)
                self._save(handle, context, bound, expires_at)  # the expiry does not move
                log.info("access token refreshed")
        return context

    def issuer(self, handle: str) -> str | None:
        """The FHIR server a launch is for, for the launches metric (no browser check: the
        caller just completed the launch, and an issuer is no secret)."""
        record = self._store.get("launch", handle) if handle else None
        return str(record["context"].get("iss") or "") or None if record else None

    def remaining(self, handle: str) -> float:
        """Seconds left in the launch's absolute lifetime (0 when it has ended)."""
        record = self._store.get("launch", handle) if handle else None
        if record is None:
            return 0.0
        return max(0.0, self._expires_at(record) - self._clock())

    def rotate(self, handle: str, browser_key: str | None) -> str:
        """Move the launch to a new random handle; the old one is dead from now on."""
        self._load(handle, browser_key, True)
        record = self._store.take("launch", handle)
        if record is None:
            raise LaunchExpired(page_words.SIGN_IN_ENDED)
        new = secrets.token_urlsafe(32)
        ttl = self._expires_at(record) - self._clock()
        if ttl <= 0:
            raise LaunchExpired(page_words.SIGN_IN_ENDED)
        self._store.put("launch", new, record, ttl)
        self._store.put(ROTATED, handle, {"at": self._clock()}, ttl)
        log.info("launch handle rotated")
        return new

    def rotated_out(self, handle: str) -> bool:
        """True when ``handle`` was replaced by ``rotate`` (not ended by its lifetime): what
        the dead handle's pages still post is not the launch's own (a client hand-off)."""
        return bool(handle) and self._store.get(ROTATED, handle) is not None

    def _expires_at(self, record: Mapping[str, object]) -> float:
        value = record.get("expires_at")
        if isinstance(value, int | float):
            return float(value)
        return self._clock() + self._settings.session_hours * 3600  # a record from before

    def _load(
        self, handle: str, browser_key: str | None, check_browser: bool = True
    ) -> tuple[LaunchContext, str | None, float]:
        record = self._store.get("launch", handle) if handle else None
        expires_at = self._expires_at(record) if record is not None else 0.0
        if record is None or expires_at <= self._clock():
            raise LaunchExpired(page_words.SIGN_IN_ENDED)
        bound = record.get("browser")
        if check_browser and bound and not (
            browser_key and hmac.compare_digest(digest(browser_key), bound)
        ):
            raise LaunchExpired(page_words.OTHER_BROWSERS_PAGE, code="launch.other_browser")
        return LaunchContext.from_dict(record["context"]), bound, expires_at

    def _refresh_lock(self, handle: str) -> threading.Lock:
        return self._refresh_locks[int(digest(handle)[:8], 16) % len(self._refresh_locks)]

    def _save(
        self, handle: str, context: LaunchContext, browser: str | None, expires_at: float
    ) -> None:
        """Store the launch until its absolute ``expires_at``; nothing ever extends it."""
        ttl = expires_at - self._clock()
        if ttl <= 0:
            return
        self._store.put("launch", handle, {"context": context.to_dict(), "browser": browser,
                                           "expires_at": expires_at}, ttl)
