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
from plugin.audit.sink import JsonLinesSink
from plugin.audit.trail import AuditTrail, deliver_to_fhir, deliver_to_log
from plugin.config import Settings
from plugin.errors import ConfigError
from plugin.fhir.stores import RecordStores
from plugin.launch.scopes import AUDIT_BACKEND_SCOPES
from plugin.web.current import CurrentLaunch

log = logging.getLogger(__name__)

AUDIT_SCOPES = AUDIT_BACKEND_SCOPES


def build_auditor(settings: Settings, stores: RecordStores) -> AccessAuditor:
    """The spool under the data folder and the configured destination."""
    folder = settings.data_dir / "audit"
    if settings.audit_destination == "record-store":
        client = stores.companion_client(AUDIT_SCOPES)
        if client is None:
            raise ConfigError("ALLIANCE_AUDIT_DESTINATION=record-store needs a companion store "
                              "(ALLIANCE_RECORD_STORE_URL).")
        deliver = deliver_to_fhir(client)
    else:
        deliver = deliver_to_log(JsonLinesSink(settings.audit_log or folder / "audit.jsonl",
                                               keys=settings.audit_key_dir,
                                               checkpoints=settings.audit_checkpoint_dir))
    trail = AuditTrail(folder / "spool.sqlite3", deliver)
    return AccessAuditor(trail, client_id=settings.client_id, app_name=APP_NAME,
                         app_version=__version__, app_address=settings.public_url)


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
