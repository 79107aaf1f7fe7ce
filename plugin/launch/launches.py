"""Launches: from a SMART launch request to a stored, per-launch context behind a random handle.

Framework-free; plugin/web calls it. Each launch gets its own handle, so two charts open in one
browser never share a patient. A launch may be bound to a browser cookie when the browser keeps
cookies; a browser that blocks them (third-party frames) is served by the handle alone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from plugin.config import Settings
from plugin.launch.errors import LaunchExpired, LaunchRefused
from plugin.launch.scopes import NEEDS
from plugin.launch.session_store import SessionStore
from smart_launch import (
    ConfigurationError,
    LaunchContext,
    PendingAuthorization,
    SmartClient,
    normalize_iss,
)

log = logging.getLogger(__name__)

PENDING_TTL = 600.0



def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class StartedLaunch:
    authorize_url: str
    browser_key: str  # the value for the browser-binding cookie
    fhir_base: str  # the launching issuer, normalised


class Launches:
    def __init__(
        self,
        settings: Settings,
        client: SmartClient,
        store: SessionStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._client = client
        self._store = store
        self._clock = clock
        self._allowed = {normalize_iss(i) for i in settings.allowed_iss}
        # Striped locks: bounded memory however many launches a process sees.
        self._refresh_locks = [threading.Lock() for _ in range(64)]

    @property
    def store(self) -> SessionStore:
        """The server-side session store (the hand-off lock keeps its state there too)."""
        return self._store

    def begin(self, iss: str | None, launch: str | None, browser_key: str | None) -> StartedLaunch:
        """Check the issuer, then build the authorization redirect and remember its state."""
        if not iss:
            raise LaunchRefused(
                "The launch has no `iss`: open the app from the EHR, or add "
                "?iss=<FHIR base URL> for a standalone launch.",
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
        url, pending = self._client.begin_launch(
            base, launch=launch or None, needs=NEEDS
        )
        key = browser_key or secrets.token_urlsafe(32)
        record = {"pending": pending.to_dict(), "browser": _digest(key)}
        self._store.put("state", pending.state, record, PENDING_TTL)
        log.info("launch started for %s (%s)", iss, "ehr" if launch else "standalone")
        return StartedLaunch(authorize_url=url, browser_key=key, fhir_base=base)

    def complete(self, params: Mapping[str, str], browser_key: str | None) -> str:
        """Finish the authorization; returns the new launch handle."""
        state = params.get("state") or ""
        record = self._store.take("state", state) if state else None
        if record is None:
            raise LaunchExpired(
                "This sign-in has expired or was already used. Launch the app again from "
                "the patient's chart.",
                code="launch.unknown_state",
            )
        pending = PendingAuthorization.from_dict(record["pending"])
        context = self._client.complete_launch(pending, params)
        bound = browser_key is not None and hmac.compare_digest(
            _digest(browser_key), record["browser"]
        )
        handle = secrets.token_urlsafe(32)
        self._save(handle, context, record["browser"] if bound else None)
        log.info("launch completed (browser-bound: %s)", bound)
        return handle

    def context(
        self, handle: str, browser_key: str | None, *, fresh: bool = True
    ) -> LaunchContext:
        """The launch's context; with `fresh`, refreshed first when its access token is about
        to expire. Requests of one launch arriving together (a page and its stylesheet) refresh
        once: the refresh token rotates, so a second use would be refused and end the launch."""
        context, bound = self._load(handle, browser_key)
        if not (fresh and context.is_expired(self._clock()) and context.refresh_token):
            return context
        with self._refresh_lock(handle):
            context, bound = self._load(handle, browser_key)  # another request may have done it
            if context.is_expired(self._clock()) and context.refresh_token:
                context = self._client.refresh(context)
                self._save(handle, context, bound)
                log.info("access token refreshed")
        return context

    def context_for_server(self, handle: str) -> LaunchContext:
        """The launch's context for the app's own work (the outbox sending a queued save),
        refreshed like `context`; not tied to a browser, never handed to one."""
        record = self._store.get("launch", handle) if handle else None
        if record is None:
            raise LaunchExpired("This session has ended.")
        context = LaunchContext.from_dict(record["context"])
        if not (context.is_expired(self._clock()) and context.refresh_token):
            return context
        with self._refresh_lock(handle):
            record = self._store.get("launch", handle)
            if record is None:
                raise LaunchExpired("This session has ended.")
            context = LaunchContext.from_dict(record["context"])
            if context.is_expired(self._clock()) and context.refresh_token:
                context = self._client.refresh(context)
                self._save(handle, context, record.get("browser"))
        return context

    def _load(self, handle: str, browser_key: str | None) -> tuple[LaunchContext, str | None]:
        record = self._store.get("launch", handle) if handle else None
        if record is None:
            raise LaunchExpired(
                "This session has ended. Launch the app again from the patient's chart.",
            )
        bound = record.get("browser")
        if bound and not (browser_key and hmac.compare_digest(_digest(browser_key), bound)):
            raise LaunchExpired(
                "This launch belongs to another browser session. Launch the app again from "
                "the patient's chart.",
                code="launch.other_browser",
            )
        return LaunchContext.from_dict(record["context"]), bound

    def _refresh_lock(self, handle: str) -> threading.Lock:
        return self._refresh_locks[int(_digest(handle)[:8], 16) % len(self._refresh_locks)]

    def _save(self, handle: str, context: LaunchContext, browser: str | None) -> None:
        ttl = self._settings.session_hours * 3600
        self._store.put("launch", handle, {"context": context.to_dict(), "browser": browser}, ttl)
