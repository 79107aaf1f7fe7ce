"""The launch a request belongs to: its SMART context, its EHR client and its record store.

Every route under /panel/<handle>/... starts with `current_launch(handle)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

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


def current_launch(handle: str, *, context: LaunchContext | None = None) -> CurrentLaunch:
    """The launch behind `handle` (checked against this browser's binding), or, with
    `context` given, that already-authorised context (a client capability's)."""
    app = services()
    if context is None:
        context = app.launches.context(handle, browser_key(request))
    launch_context = context
    ehr = FhirClient(launch_context.iss, token=lambda: launch_context.access_token,
                     http=app.http, sleep=app.sleep,
                     limits=app.launches.read_limits(launch_context.iss))
    records = app.record_stores.for_launch(launch_context, ehr)
    launch = CurrentLaunch(handle, launch_context, ehr, records, app.settings)
    g.launch = launch  # a refusal later in this request is audited for this launch
    return launch
