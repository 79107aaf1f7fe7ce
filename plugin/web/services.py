"""The app's services, built once in create_app and kept, typed, in ``app.extensions``.

Every route reaches the settings, the SMART client, the launches, the record stores, the form
catalogue, the hand-offs, the write path (saving) and the one clock through ``services()``,
never by a string key.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import requests
from flask import current_app

from plugin.audit.emit import AccessAuditor
from plugin.config import Settings
from plugin.fhir.stores import RecordStores
from plugin.launch.launches import Launches
from plugin.panel.view_cache import PanelCache
from plugin.recording.catalogue import FormCatalogue
from plugin.recording.client_links import ClientLinks
from plugin.recording.handoff import Handoffs
from plugin.recording.saving import Saving
from plugin.web.ehr_style import StyleFetcher
from smart_launch import SmartClient

EXTENSION = "alliance"


@dataclass(frozen=True)
class Services:
    settings: Settings
    smart: SmartClient
    launches: Launches
    record_stores: RecordStores
    catalogue: FormCatalogue
    handoffs: Handoffs
    client_links: ClientLinks  # a client's one-time links (their own phone)
    saving: Saving  # one rating per session, drafts, the outbox
    styles: StyleFetcher
    http: requests.Session
    clock: Callable[[], float]  # the one time source: every timestamp the app writes
    sleep: Callable[[float], None]  # the wait between retries of a FHIR request
    version: str
    auditor: AccessAuditor  # the audit trail of every access to patient data
    panel_cache: PanelCache  # each launch's panel view while its data is unchanged (this process)

    def now(self) -> datetime.datetime:
        """The current time from the injected clock, timezone-aware."""
        return datetime.datetime.fromtimestamp(self.clock(), datetime.UTC)


def services() -> Services:
    """The services of the app handling the current request."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, Services)
    return found
