"""Where the alliance records of a launch are written and read back.

Some EHRs do not accept new QuestionnaireResponses through their FHIR API (Oracle Health
Millennium documents QuestionnaireResponse as read-only). So the app reads the EHR's
CapabilityStatement (cached per server) and the configuration: records go to the EHR when it
accepts them, else to a companion FHIR store reached with SMART backend services
(client_credentials + private_key_jwt). Records in a companion store point back at the EHR's
Patient and Encounter with absolute references.

Tenancy: with several EHRs (issuer tables), each EHR's records, queued saves and audit events
go only to that EHR or to the companion store its own table names, with its own backend
client; `for_issuer` is the one way to reach them, and it never falls back to another EHR's
store or to the top-level one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from plugin.config import Settings
from plugin.errors import ConfigError
from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError, RecordStoreSignInFailed
from smart_launch import ClientConfig, LaunchContext, SmartClient, SmartLaunchError
from smart_launch.cache import TtlCache

log = logging.getLogger(__name__)

RECORD_TYPES = ("QuestionnaireResponse", "Observation", "Provenance")
BACKEND_SCOPES = tuple(f"system/{t}.cruds" for t in RECORD_TYPES)
CAPABILITY_TTL = 3600.0


def accepted_record_types(capability: Mapping[str, Any]) -> set[str]:
    """Record types the server says it can create (and whether it takes transactions)."""
    accepted: set[str] = set()
    for rest in capability.get("rest") or []:
        if not isinstance(rest, dict) or rest.get("mode", "server") != "server":
            continue
        for resource in rest.get("resource") or []:
            interactions = resource.get("interaction") or []
            codes = {i.get("code") for i in interactions if isinstance(i, dict)}
            if "create" in codes and resource.get("type") in RECORD_TYPES:
                accepted.add(str(resource["type"]))
    return accepted


def supports_transaction(capability: Mapping[str, Any]) -> bool:
    return any(
        i.get("code") == "transaction"
        for rest in capability.get("rest") or [] if isinstance(rest, dict)
        for i in rest.get("interaction") or [] if isinstance(i, dict)
    )


@dataclass(frozen=True)
class RecordStore:
    """The FHIR server holding a launch's alliance records, and how to refer to the EHR's."""

    client: FhirClient
    where: str  # "ehr" | "companion"
    reason: str  # where and why, for the integrator (the page's sentence: plugin/web)
    transactions: bool
    ehr_base: str
    accepted: bool = True  # the store says it takes every record type the app writes

    def ref(self, resource_type: str, resource_id: str) -> str:
        """A reference to an EHR resource as records in this store must write it."""
        relative = f"{resource_type}/{resource_id}"
        return relative if self.where == "ehr" else f"{self.ehr_base}/{relative}"

    def patient_search(self, patient_id: str) -> dict[str, str]:
        return {"subject": self.ref("Patient", patient_id)}


class RecordStores:
    def __init__(
        self,
        settings: Settings,
        http: requests.Session,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        per_issuer: Mapping[str, Settings] | None = None,
    ) -> None:
        """``per_issuer``: an EHR with its own record store (or client) gets its own
        RecordStores, built from its settings; other EHRs use these ``settings``."""
        self._per_issuer = {iss.rstrip("/"): RecordStores(s, http, clock=clock, sleep=sleep)
                            for iss, s in (per_issuer or {}).items()}
        self._settings = settings
        self._http = http
        self._sleep = sleep
        self._capabilities: TtlCache[str, dict[str, Any]] = TtlCache(CAPABILITY_TTL, clock)
        # what each statement says about records, read once per statement, not on every view
        # (HAPI's lists about 150 resource types)
        self._says: dict[int, tuple[dict[str, Any], set[str], bool]] = {}
        self._backend: SmartClient | None = None
        if settings.record_store_url:
            if not settings.private_key_pem:
                raise ConfigError("ALLIANCE_RECORD_STORE_URL needs ALLIANCE_PRIVATE_KEY_FILE.")
            self._backend = SmartClient(
                ClientConfig(
                    client_id=settings.record_store_client_id or settings.client_id,
                    redirect_uri=settings.redirect_uri,
                    private_key_pem=settings.private_key_pem,
                    private_key_alg=settings.private_key_alg,
                    allow_http=settings.development,
                ),
                http=http,
                clock=clock,
            )

    def for_issuer(self, iss: str | None) -> RecordStores | None:
        """The record stores of one EHR and nobody else's: with issuer tables, that issuer's
        own (None for an EHR no longer configured); without tables, these (one registration
        serves every allowed EHR)."""
        if not self._per_issuer:
            return self
        return self._per_issuer.get((iss or "").rstrip("/"))

    def with_companion(self, base: str) -> list[RecordStores]:
        """Every configured EHR's record stores whose companion store is at ``base``."""
        found = [s for s in (self, *self._per_issuer.values())
                 if s._backend is not None and s.companion_base == base.rstrip("/")]
        return list({id(s): s for s in found}.values())

    @property
    def companion_base(self) -> str | None:
        return self._settings.record_store_url if self._backend is not None else None

    def companion_client(self, scopes: tuple[str, ...]) -> FhirClient | None:
        """The companion store of these settings (for one EHR: ``for_issuer`` first), reached
        with their own backend-services client, if one is set."""
        if self._backend is None or not self._settings.record_store_url:
            return None
        base = self._settings.record_store_url
        return FhirClient(base, token=self._token(base, scopes), http=self._http,
                          sleep=self._sleep)

    def backend_store(self, iss: str) -> RecordStore | None:
        """The record store of the EHR ``iss`` that the app reaches with its own token
        (backend services), for answers that come without a launch (a client's one-time link):
        that EHR's companion store, else None (the EHR's own server is reached only with a
        launch's token)."""
        own = self.for_issuer(iss)
        if own is None or own._backend is None or not own._settings.record_store_url:
            return None
        base = own._settings.record_store_url
        client = FhirClient(base, token=own._token(base, BACKEND_SCOPES), http=own._http,
                            sleep=own._sleep)
        return RecordStore(client, "companion", f"Records are stored in the companion store "
                           f"{base}.", supports_transaction(own.capability(base)), iss)

    def _token(self, base: str, scopes: tuple[str, ...]) -> Callable[[], str]:
        """The companion store's backend token; a token request that fails is the record
        store's failure (RecordStoreSignInFailed), not a failed sign-in with the EHR."""
        backend = self._backend
        assert backend is not None

        def token() -> str:
            try:
                return backend.backend_token(base, scopes).access_token
            except SmartLaunchError as err:
                log.warning("no token from the record store %s: %s", base, err.code)
                raise RecordStoreSignInFailed(
                    f"the record store {base} gave no token: {err.code}: {err.message}"[:300],
                ) from err
        return token

    def capability(self, fhir_base: str) -> dict[str, Any]:
        """The server's CapabilityStatement, cached; an empty one (not cached) if it cannot be
        read now."""
        cached = self._capabilities.get(fhir_base)
        if cached is not None:
            return cached
        try:
            statement = FhirClient(fhir_base, http=self._http, retries=1).capabilities()
        except FhirError as err:  # not cached: the next launch reads it again
            log.warning("CapabilityStatement of %s not readable: %s", fhir_base, err.code)
            return {}
        self._capabilities.put(fhir_base, statement)
        return statement

    def for_launch(self, context: LaunchContext, ehr: FhirClient) -> RecordStore:
        own = self._per_issuer.get(context.iss.rstrip("/"))
        if own is not None:  # that EHR's own registration and record store, never another's
            return own.for_launch(context, ehr)
        mode = self._settings.record_store_mode
        capability = self.capability(context.iss)
        said = self._says.get(id(capability))
        if said is None or said[0] is not capability:
            said = (capability, accepted_record_types(capability), supports_transaction(capability))
            if capability:
                self._says = {id(capability): said, **dict(list(self._says.items())[:15])}
        _statement, accepted, transactions = said
        ehr_takes_all = accepted >= set(RECORD_TYPES)
        if mode == "ehr" or (mode == "auto" and (ehr_takes_all or not self._backend)):
            reason = (
                "Records are stored in the EHR's FHIR server."
                if ehr_takes_all or mode == "ehr"
                else "The EHR does not say it accepts alliance records and no companion store "
                "is configured; saving may be refused."
            )
            return RecordStore(ehr, "ehr", reason, transactions, context.iss,
                               ehr_takes_all or mode == "ehr")
        return self._companion(context, accepted)

    def _companion(self, context: LaunchContext, accepted: set[str]) -> RecordStore:
        assert self._backend is not None and self._settings.record_store_url
        base = self._settings.record_store_url
        missing = sorted(set(RECORD_TYPES) - accepted)
        reason = (
            f"Records are stored in the companion store {base}"
            + (f": the EHR does not accept {', '.join(missing)}." if missing else ".")
        )
        client = FhirClient(base, token=self._token(base, BACKEND_SCOPES), http=self._http,
                            sleep=self._sleep)
        return RecordStore(
            client, "companion", reason, supports_transaction(self.capability(base)), context.iss
        )
