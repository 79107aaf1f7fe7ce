"""Per-EHR settings: one TOML table per issuer, each with its own registration.

    [issuers."https://fhir.epic.example/api/FHIR/R4"]
    client_id = "prod-client-id"
    key_dir = "/etc/alliance/keys/epic"      # or private_key_file, or client_secret
    scope_syntax = "v1"                      # auto (default), v1 or v2
    access = "online"                        # offline (default) or online
    record_store_url = "https://records.example.org/fhir"
    response_max_mib = 32                    # bounds on its answers (ALLIANCE_RESPONSE_*
    response_max_entries = 10000             # by default; docs/security.md)
    response_max_depth = 64
    response_deadline_seconds = 30

Each issuer gets its own SmartClient (its own client id, secret or keys), so one EHR's
credentials only ever go to that EHR's token endpoint. Without tables, the top-level settings
(ALLIANCE_CLIENT_ID and the rest) describe one registration used for every allowed issuer, as
before. The tables' keys are declared, and checked, in plugin/config/issuer_tables.py (every
problem reported at once, each naming its table and key).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugin.config import Settings
from plugin.config.issuer_tables import load_issuer_tables, read_table_files
from plugin.errors import ConfigError
from smart_launch import ClientConfig, SmartClient
from smart_launch.keystore import KeyStore
from smart_launch.limits import DEFAULT_LIMITS, MIB, ReadLimits

# The bounds on an EHR's answers: each table's keys, else the top-level settings.
LIMIT_KEYS = ("response_max_mib", "response_max_entries", "response_max_depth",
              "response_deadline_seconds")


@dataclass(frozen=True)
class IssuerSettings:
    iss: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    private_key_pem: bytes | None = field(default=None, repr=False)  # read when checked
    private_key_alg: str = "RS384"
    key_dir: Path | None = None
    private_key_file: Path | None = None
    scope_syntax: str = "auto"
    access: str = "offline"
    record_store_url: str | None = None
    record_store_client_id: str | None = None
    record_store_mode: str = "auto"
    limits: ReadLimits = DEFAULT_LIMITS  # bounds on this EHR's answers

    @property
    def extra_scopes(self) -> tuple[str, ...]:
        """What the app asks for beyond resource scopes: an id_token and the access kind."""
        return ("openid", "fhirUser", f"{self.access}_access")

    @property
    def signs(self) -> bool:
        return (self.private_key_pem is not None or self.private_key_file is not None
                or self.key_dir is not None)


def read_limits(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> ReadLimits:
    """ReadLimits from the response_* values of a loaded table, else of ``defaults`` (the
    top-level settings), else the project's defaults. Both were checked when loaded."""
    found = {k: v for k in LIMIT_KEYS
             if (v := values.get(k) if values.get(k) is not None else defaults.get(k))
             is not None}
    base = DEFAULT_LIMITS
    return ReadLimits(
        max_bytes=int(found.get("response_max_mib", base.max_bytes / MIB) * MIB),
        max_entries=int(found.get("response_max_entries", base.max_entries)),
        max_depth=int(found.get("response_max_depth", base.max_depth)),
        deadline=float(found.get("response_deadline_seconds", base.deadline)))


def _issuer(iss: str, values: Mapping[str, Any], defaults: Mapping[str, Any]) -> IssuerSettings:
    """One EHR's registration from its table as loaded (plugin.config.issuer_tables)."""
    return IssuerSettings(
        iss=iss, client_id=str(values["client_id"]),
        client_secret=values.get("client_secret") or None,
        private_key_pem=values.get("private_key_pem"),
        private_key_file=values.get("private_key_file"),
        private_key_alg=values.get("private_key_alg", "RS384"), key_dir=values.get("key_dir"),
        scope_syntax=values.get("scope_syntax", "auto"), access=values.get("access", "offline"),
        record_store_url=values.get("record_store_url") or None,
        record_store_client_id=values.get("record_store_client_id") or None,
        record_store_mode=values.get("record_store_mode", "auto"),
        limits=read_limits(values, defaults))


def parse_issuer_tables(tables: Any,
                        defaults: Mapping[str, Any] | None = None) -> dict[str, IssuerSettings]:
    """The ``issuers`` tables of the TOML file, loaded and their key files read;
    ConfigError listing every problem at once."""
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError("issuers: must hold one table per EHR, e.g. "
                          '[issuers."https://ehr.example.org/fhir"] with its client_id')
    loaded, problems = load_issuer_tables(tables)
    loaded, file_problems = read_table_files(loaded)
    problems += file_problems
    if problems:
        raise ConfigError("Alliance Panel cannot start; fix these issuer settings:\n  "
                          + "\n  ".join(problems))
    return {iss: _issuer(iss, values, defaults or {}) for iss, values in loaded.items()}


def issuers_from(settings: Settings) -> dict[str, IssuerSettings]:
    """Every allowed issuer's registration: its table when it has one (loaded and checked with
    the settings), else the top-level client (ALLIANCE_CLIENT_ID and the rest: one EHR
    configured by environment variables)."""
    defaults = {key: getattr(settings, key) for key in LIMIT_KEYS}
    found = {iss: _issuer(iss, values, defaults) for iss, values in settings.issuers.items()}
    for iss in settings.allowed_iss:
        base = iss.rstrip("/")
        found.setdefault(base, IssuerSettings(
            iss=base, client_id=settings.client_id, client_secret=settings.client_secret,
            private_key_pem=settings.private_key_pem, private_key_alg=settings.private_key_alg,
            private_key_file=settings.private_key_file,
            record_store_url=settings.record_store_url,
            record_store_client_id=settings.record_store_client_id,
            record_store_mode=settings.record_store_mode,
            limits=read_limits(defaults, {})))
    return found


def settings_for(settings: Settings, issuer: IssuerSettings) -> Settings:
    """The app's settings as seen by one issuer's parts (its record store, its client)."""
    pem = issuer.private_key_pem
    if pem is None and issuer.key_dir is not None:
        pem = KeyStore(issuer.key_dir).signing_key(time.time()).key.as_pem(private=True)
    return dataclasses.replace(
        settings, client_id=issuer.client_id, client_secret=issuer.client_secret,
        private_key_pem=pem, private_key_alg=issuer.private_key_alg,
        record_store_url=issuer.record_store_url,
        record_store_client_id=issuer.record_store_client_id,
        record_store_mode=issuer.record_store_mode)


def smart_client_for(issuer: IssuerSettings, redirect_uri: str, *,
                     clock: Callable[[], float] = time.time, allow_http: bool = False,
                     **options: Any) -> SmartClient:
    """A SmartClient registered as this issuer's client, and nothing else; ``options`` go to
    SmartClient (the app's shared ``http`` session, timeouts)."""
    config = ClientConfig(client_id=issuer.client_id, redirect_uri=redirect_uri,
                          client_secret=issuer.client_secret,
                          private_key_pem=issuer.private_key_pem,
                          private_key_alg=issuer.private_key_alg, allow_http=allow_http)
    keys = KeyStore(issuer.key_dir, clock) if issuer.key_dir is not None else None
    return SmartClient(config, clock=clock, keys=keys, limits=issuer.limits, **options)
