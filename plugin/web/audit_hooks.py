"""The audit trail in the web layer: every request of a launch that reads or writes patient
data, or is refused, leaves BALP AuditEvents (plugin.audit) in the spool before its reply, and
the spool is delivered when the request ends (Flask's teardown: one fsync for the log, one batch
request for the companion record store, per ALLIANCE_AUDIT_DESTINATION); what cannot be
delivered stays in the spool for the next request. Routes call the functions below; errors.py
and record_pages.failure_message call `audit_refusal` for a request refused while a launch is
known.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, g, request

from plugin import APP_NAME, __version__
from plugin.audit.balp import Interaction
from plugin.audit.emit import AccessAuditor
from plugin.audit.errors import AuditNoDestination
from plugin.audit.sink import JsonLinesSink
from plugin.audit.trail import AuditTrail, Deliver, Route, deliver_to_fhir, deliver_to_log
from plugin.config import Settings
from plugin.errors import ConfigError
from plugin.fhir.client import FhirClient
from plugin.fhir.stores import RecordStores
from plugin.launch.scopes import AUDIT_BACKEND_SCOPES
from plugin.web.current import CurrentLaunch

log = logging.getLogger(__name__)

AUDIT_SCOPES = AUDIT_BACKEND_SCOPES


def build_auditor(settings: Settings, stores: RecordStores,
                  issuers: Sequence[str] = ()) -> AccessAuditor:
    """The spool under the data folder and the configured destination: the log, or each EHR's
    own companion record store (`issuers`: every configured EHR, each needs one)."""
    folder = settings.data_dir / "audit"
    if settings.audit_destination == "record-store":
        route = record_store_route(stores, issuers)
        trail = AuditTrail(folder / "spool.sqlite3", lambda events: route(None)(events),
                           route=route)  # the trail routes each EHR's events
    else:
        trail = AuditTrail(folder / "spool.sqlite3", deliver_to_log(
            JsonLinesSink(settings.audit_log or folder / "audit.jsonl",
                          keys=settings.audit_key_dir,
                          checkpoints=settings.audit_checkpoint_dir)))
    return AccessAuditor(trail, client_id=settings.client_id, app_name=APP_NAME,
                         app_version=__version__, app_address=settings.public_url)


def record_store_route(stores: RecordStores, issuers: Sequence[str]) -> Route:
    """Each EHR's AuditEvents to its own companion store, with its own backend client, never
    to another's. Events spooled before they named their EHR go to the top-level store (where
    every event went then); without one they wait in the spool ("audit.no_destination")."""
    missing = [iss for iss in issuers if _audit_client(stores.for_issuer(iss)) is None]
    if missing or (not issuers and _audit_client(stores) is None):
        raise ConfigError("ALLIANCE_AUDIT_DESTINATION=record-store sends each EHR's audit "
                          "events to its own companion store; set ALLIANCE_RECORD_STORE_URL, "
                          "or record_store_url in the table of " + (", ".join(missing) or
                                                                    "each EHR") + ".")
    routes: dict[str | None, Deliver] = {}

    def route(iss: str | None) -> Deliver:
        if iss not in routes:
            client = _audit_client(stores.for_issuer(iss) if iss else stores)
            if client is None:
                raise AuditNoDestination(f"no companion store receives the audit events of "
                                         f"{iss or 'no recorded EHR'}")
            routes[iss] = deliver_to_fhir(client)
        return routes[iss]
    return route


def _audit_client(stores: RecordStores | None) -> FhirClient | None:
    return stores.companion_client(AUDIT_SCOPES) if stores is not None else None


def init_app(app: Flask, auditor: AccessAuditor) -> None:
    """Deliver what the request spooled as the request ends; another thread's delivery in
    progress is not waited for."""
    @app.teardown_request
    def _deliver(_error: BaseException | None) -> None:
        if g.get("audited"):
            auditor.trail.deliver_pending(wait=False)


def _patient(launch: CurrentLaunch) -> str:
    return f"Patient/{launch.context.patient}"


def audit_panel_view(auditor: AccessAuditor, launch: CurrentLaunch,
                     requested: Sequence[tuple[str, str]]) -> None:
    g.audited = True
    auditor.panel_view(auditor.actor(launch.context), _patient(launch), requested)


def audit_write(auditor: AccessAuditor, launch: CurrentLaunch, interaction: Interaction,
                targets: Sequence[str]) -> None:
    g.audited = True
    auditor.written(auditor.actor(launch.context), _patient(launch), interaction, targets)


def audit_refusal(auditor: AccessAuditor, code: str, status: int) -> None:
    """A refused (4xx) or failed (5xx) request of a known launch with a patient."""
    launch = g.get("launch")
    if not isinstance(launch, CurrentLaunch) or not launch.context.patient:
        return
    g.audited = True
    interaction: Interaction = "read" if request.method == "GET" else (
        "update" if "/responses/" in request.path else "create")
    actor = auditor.actor(launch.context)
    detail = f"{code} (HTTP {status})"
    if status >= 500:
        auditor.failed(actor, _patient(launch), interaction, detail)
    else:
        auditor.refused(actor, _patient(launch), interaction, detail)
