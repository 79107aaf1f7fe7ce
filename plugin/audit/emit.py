"""What the app calls when it touches patient data: one method per kind of access, turning a
launch (its issuer, user, token) and the request into BALP AuditEvents on the trail.

    auditor = AccessAuditor(trail, client_id=..., app_name=..., app_version=..., app_address=...)
    actor = auditor.actor(context)                     # a smart_launch LaunchContext
    auditor.panel_view(actor, "Patient/1", reads=["Patient/1"],
                       searches=["Encounter?patient=1", ...])
    auditor.written(actor, "Patient/1", "create", ["QuestionnaireResponse/9", ...])
    auditor.refused(actor, "Patient/1", "create", "scope not granted")

The access token enters only through token_identity (its jti or a hash). Recording never
raises into the clinician's request: a spool that cannot be written is logged as an error and
counted in ``failures`` (readiness is red until a write succeeds again); the trail itself
never drops an event it has accepted.
"""

from __future__ import annotations

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
        try:
            self.trail.record_many([build_audit_event(r, actor) for r in records])
        except AuditError as err:
            self.failures += 1
            self._spool_ok = False
            log.error("audit trail not written (%s): %s", err.code, err.message)
        else:
            self._spool_ok = True

    def panel_view(self, actor: AuditActor, patient: str, *, reads: Sequence[str],
                   searches: Sequence[str]) -> None:
        now = self._now()
        records = [AuditRecord("read", patient, now, targets=(ref,)) for ref in reads]
        records += [AuditRecord("search", patient, now, query=q) for q in searches]
        self._emit(actor, records)

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

    def health(self) -> dict[str, Any]:
        health = self.trail.health()
        return {"pending": health.pending, "oldest_age": health.oldest_age,
                "last_error": health.last_error, "spool_failures": self.failures,
                "ok": health.ok and self._spool_ok}
