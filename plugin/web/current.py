"""The launch a request belongs to: its SMART context, its EHR client and its record store.

Every route under /panel/<handle>/... starts with `current_launch(handle)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from plugin.config import Settings
from plugin.fhir.client import FhirClient
from plugin.fhir.stores import RecordStore
from plugin.web.security import browser_key
from plugin.web.services import services
from smart_launch import LaunchContext


@dataclass(frozen=True)
class CurrentLaunch:
    handle: str
    context: LaunchContext
    ehr: FhirClient
    records: RecordStore
    settings: Settings

    @property
    def practitioner(self) -> str | None:
        """The signed-in user as a relative reference (from fhirUser), if it is a Practitioner."""
        user = self.context.fhir_user or ""
        tail = "/".join(user.rstrip("/").split("/")[-2:])
        return tail if tail.startswith(("Practitioner/", "PractitionerRole/")) else None


def current_launch(handle: str) -> CurrentLaunch:
    app = services()
    context = app.launches.context(handle, browser_key(request))
    ehr = FhirClient(context.iss, token=lambda: context.access_token, http=app.http,
                     sleep=app.sleep)
    records = app.record_stores.for_launch(context, ehr)
    return CurrentLaunch(handle, context, ehr, records, app.settings)
