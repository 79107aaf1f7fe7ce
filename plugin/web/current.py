"""The launch a request belongs to: its SMART context, its EHR client and its record store.

Every route under /panel/<handle>/... starts with `current_launch(handle)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from plugin.config import Settings
from plugin.fhir.client import FhirClient
from plugin.fhir.stores import RecordStore
from plugin.launch.errors import LaunchRefused
from plugin.web.security import browser_key
from plugin.web.services import services
from plugin.wording import pages as page_words
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


PATIENT_USERS = ("Patient/", "RelatedPerson/")


def signed_in(context: LaunchContext) -> str:
    """The signed-in user as a relative reference ("Patient/p1"), "" when the EHR said none."""
    return "/".join((context.fhir_user or "").rstrip("/").split("/")[-2:])


def is_patient_user(context: LaunchContext) -> bool:
    """A patient's (or their relative's) own launch, from a portal."""
    return signed_in(context).startswith(PATIENT_USERS)


def refuse_patient_user(context: LaunchContext) -> None:
    """The clinician's routes are for a clinician's launch: a launch whose signed-in user is a
    Patient or RelatedPerson (a portal's token) never opens the panel or records a rating."""
    if is_patient_user(context):
        raise LaunchRefused(page_words.FOR_CLINICIANS, code="launch.patient_user")


def refuse_clinician_user(context: LaunchContext) -> None:
    """The client's portal pages are for a patient's own launch: a clinician's launch (or one
    that names no Patient or RelatedPerson as its user) never opens them."""
    if not is_patient_user(context) or not context.patient:
        raise LaunchRefused(page_words.FOR_CLIENTS, code="launch.not_patient_user")


def current_launch(handle: str, *, context: LaunchContext | None = None) -> CurrentLaunch:
    """The launch behind `handle` (checked against this browser's binding), or, with
    `context` given, that already-authorised context (a client capability's)."""
    app = services()
    if context is None:
        context = app.launches.context(handle, browser_key(request))
        refuse_patient_user(context)
    launch_context = context
    ehr = FhirClient(launch_context.iss, token=lambda: launch_context.access_token,
                     http=app.http, sleep=app.sleep,
                     limits=app.launches.read_limits(launch_context.iss))
    records = app.record_stores.for_launch(launch_context, ehr)
    launch = CurrentLaunch(handle, launch_context, ehr, records, app.settings)
    g.launch = launch  # a refusal later in this request is audited for this launch
    return launch
