"""The launch a request belongs to: its SMART context, its EHR client and its record store.

Every route under /panel/<handle>/... starts with `current_launch(handle)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request

from plugin.config import Settings
from plugin.fhir.client import FhirClient
from plugin.fhir.stores import RecordStore
from plugin.web.security import browser_key
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


def extension() -> dict[str, Any]:
    return current_app.extensions["alliance"]  # type: ignore[no-any-return]


def current_launch(handle: str) -> CurrentLaunch:
    ext = extension()
    context: LaunchContext = ext["launches"].context(handle, browser_key(request))
    ehr = FhirClient(context.iss, token=lambda: context.access_token, http=ext["http"],
                     sleep=ext["sleep"])
    records: RecordStore = ext["record_stores"].for_launch(context, ehr)
    return CurrentLaunch(handle, context, ehr, records, ext["settings"])
