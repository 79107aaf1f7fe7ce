"""What the app calls when it touches patient data: one method per kind of access, turning a
launch (its issuer, user, token) and the request into BALP AuditEvents on the trail.

    auditor = AccessAuditor(trail, client_id=..., app_name=..., app_version=..., app_address=...)
    actor = auditor.actor(context)                     # a smart_launch LaunchContext
    auditor.panel_view(actor, "Patient/1", [(ehr_base, "Patient/1"),
                                            (ehr_base, "Encounter?patient=1"), ...])
    auditor.written(actor, "Patient/1", "create", ["QuestionnaireResponse/9", ...])
    auditor.refused(actor, "Patient/1", "create", "scope not granted")

The access token enters only through token_identity (its jti or a hash). Recording never
raises into the clinician's request: a spool that cannot be written is logged as an error and
counted in ``failures`` (readiness is red until a write succeeds again); the trail itself
never drops an event it has accepted.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from plugin.audit.balp import (
    AuditActor,
    AuditRecord,
    Interaction,
    build_audit_event,
    token_identity,
)
from plugin.audit.errors import AuditError
from plugin.audit.trail import AuditTrail
from smart_launch import LaunchContext

log = logging.getLogger(__name__)


class AccessAuditor:
    def __init__(self, trail: AuditTrail, *, client_id: str, app_name: str, app_version: str,
                 app_address: str, clock: Callable[[], float] = time.time) -> None:
        self.trail = trail
        self._client_id = client_id
        self._app = (app_name, app_version, app_address)
        self._clock = clock
        self.failures = 0  # spool writes that failed since start (a metric)
        self._spool_ok = True  # whether the last spool write succeeded (readiness)

    def actor(self, context: LaunchContext, client_id: str | None = None) -> AuditActor:
        name, version, address = self._app
        return AuditActor(client_id=client_id or self._client_id, app_name=name,
                          app_version=version, app_address=address, server=context.iss,
                          token_id=token_identity(context.access_token),
                          fhir_user=context.fhir_user)

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._clock(), datetime.UTC)

    def _emit(self, actor: AuditActor, records: Sequence[AuditRecord]) -> None:
        self._spool([build_audit_event(r, actor) for r in records], actor.server)

    def _spool(self, events: Sequence[dict[str, Any]], iss: str) -> None:
        """Spool events of the EHR `iss` (an actor's server is its launch's EHR)."""
        try:
            self.trail.record_many(events, iss)
        except AuditError as err:
            self.failures += 1
            self._spool_ok = False
            log.error("audit trail not written (%s): %s", err.code, err.message)
        else:
            self._spool_ok = True

    def panel_view(self, actor: AuditActor, patient: str,
                   requested: Sequence[tuple[str, str]]) -> None:
        """One PatientRead per read ("Patient/1") and one PatientQuery per search
        ("Encounter?patient=1"), each naming the server (FHIR base) it went to."""
        now = self._now()
        events = []
        for server, request in requested:
            record = (AuditRecord("search", patient, now, query=request) if "?" in request
                      else AuditRecord("read", patient, now, targets=(request,)))
            events.append(build_audit_event(record, dataclasses.replace(actor, server=server)))
        self._spool(events, actor.server)

    def written(self, actor: AuditActor, patient: str, interaction: Interaction,
                targets: Sequence[str]) -> None:
        self._emit(actor, [AuditRecord(interaction, patient, self._now(),
                                       targets=tuple(targets))])

    def refused(self, actor: AuditActor, patient: str, interaction: Interaction, detail: str,
                *, query: str | None = None) -> None:
        if interaction == "search" and query is None:
            query = ""
        self._emit(actor, [AuditRecord(interaction, patient, self._now(), query=query,
                                       outcome="refused", detail=detail)])

    def failed(self, actor: AuditActor, patient: str, interaction: Interaction,
               detail: str) -> None:
        """A request that failed on the way (a server error), not a refusal."""
        self._emit(actor, [AuditRecord(interaction, patient, self._now(),
                                       query="" if interaction == "search" else None,
                                       outcome="failed", detail=detail)])

    def health(self) -> dict[str, Any]:
        health = self.trail.health()
        return {"pending": health.pending, "oldest_age": health.oldest_age,
                "last_error": health.last_error, "spool_failures": self.failures,
                "ok": health.ok and self._spool_ok}
