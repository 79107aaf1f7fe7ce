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
before. Every problem is reported at once, each naming its table and key.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from plugin.config import Settings
from plugin.errors import ConfigError
from smart_launch import ClientConfig, SmartClient
from smart_launch.keystore import KeyStore
from smart_launch.limits import DEFAULT_LIMITS, MIB, ReadLimits

KEYS = ("client_id", "client_secret", "private_key_file", "private_key_alg", "key_dir",
        "scope_syntax", "access", "record_store_url", "record_store_client_id",
        "record_store_mode", "response_max_mib", "response_max_entries", "response_max_depth",
        "response_deadline_seconds")
# The bounds on an EHR's answers: (lowest, highest) accepted, as for the ALLIANCE_ settings.
LIMIT_RANGES: dict[str, tuple[float, float]] = {
    "response_max_mib": (0.0625, 1024), "response_max_entries": (10, 1_000_000),
    "response_max_depth": (8, 256), "response_deadline_seconds": (1, 600)}
CHOICES = {"private_key_alg": ("RS384", "ES384"), "scope_syntax": ("auto", "v1", "v2"),
           "access": ("offline", "online"), "record_store_mode": ("auto", "ehr", "companion")}


@dataclass(frozen=True)
class IssuerSettings:
    iss: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    private_key_pem: bytes | None = field(default=None, repr=False)
    private_key_alg: str = "RS384"
    key_dir: Path | None = None
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
        return self.private_key_pem is not None or self.key_dir is not None


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def read_limits(values: Mapping[str, Any], defaults: Mapping[str, Any], name: str,
                problems: list[str]) -> ReadLimits:
    """ReadLimits from the response_* keys of ``values``, else of ``defaults`` (the top-level
    settings); a value out of range is a problem naming ``name`` and the key."""
    found: dict[str, float] = {}
    for key, (low, high) in LIMIT_RANGES.items():
        value = values.get(key, defaults.get(key))
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                low <= value <= high):
            problems.append(f"{name} {key}: {value!r} is not a number from {low:g} to {high:g}")
            continue
        found[key] = value
    base = DEFAULT_LIMITS
    return ReadLimits(
        max_bytes=int(found.get("response_max_mib", base.max_bytes / MIB) * MIB),
        max_entries=int(found.get("response_max_entries", base.max_entries)),
        max_depth=int(found.get("response_max_depth", base.max_depth)),
        deadline=float(found.get("response_deadline_seconds", base.deadline)))


def _one(iss: str, table: Any, problems: list[str],
         defaults: Mapping[str, Any]) -> IssuerSettings | None:
    name = f'[issuers."{iss}"]'
    if not _is_http_url(iss):
        problems.append(f"{name}: the table name must be the EHR's FHIR base URL")
        return None
    if not isinstance(table, Mapping):
        problems.append(f"{name}: must be a table of settings")
        return None
    start = len(problems)
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        problems.append(f"{name}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    values = {k: table[k] for k in KEYS if k in table}
    if not str(values.get("client_id", "")).strip():
        problems.append(f"{name} client_id: missing; set the client id this EHR registered")
    for key, allowed in CHOICES.items():
        if key in values and values[key] not in allowed:
            problems.append(f"{name} {key}: {values[key]!r} is not one of {', '.join(allowed)}")
    secrets_given = [k for k in ("client_secret", "private_key_file", "key_dir") if k in values]
    if len(secrets_given) > 1:
        problems.append(f"{name}: set one of client_secret, private_key_file or key_dir, not "
                        f"{' and '.join(secrets_given)}")
    url = values.get("record_store_url")
    if url is not None and not _is_http_url(str(url)):
        problems.append(f"{name} record_store_url: not an http(s) URL: {url!r}")
    pem = None
    if "private_key_file" in values:
        path = Path(values["private_key_file"])
        try:
            pem = path.read_bytes()
        except OSError as err:
            problems.append(f"{name} private_key_file: cannot read {path}: {err.strerror}")
        else:
            if b"PRIVATE KEY" not in pem:
                problems.append(f"{name} private_key_file: {path} is not a PEM private key")
    key_dir = Path(values["key_dir"]) if "key_dir" in values else None
    if key_dir is not None and not (key_dir / "keys.json").is_file():
        problems.append(f"{name} key_dir: {key_dir} has no keys.json; create it with "
                        f"`alliance keys --dir {key_dir} add`")
    limits = read_limits(values, defaults, name, problems)
    if (url or values.get("record_store_mode") == "companion") and not (pem or key_dir):
        problems.append(f"{name}: a companion record store is reached with SMART backend "
                        "services, which needs private_key_file or key_dir")
    if len(problems) > start:
        return None
    return IssuerSettings(
        iss=iss.rstrip("/"), client_id=str(values["client_id"]),
        client_secret=values.get("client_secret") or None, private_key_pem=pem,
        private_key_alg=values.get("private_key_alg", "RS384"), key_dir=key_dir,
        scope_syntax=values.get("scope_syntax", "auto"), access=values.get("access", "offline"),
        record_store_url=str(url).rstrip("/") if url else None,
        record_store_client_id=values.get("record_store_client_id") or None,
        record_store_mode=values.get("record_store_mode", "auto"), limits=limits)


def parse_issuer_tables(tables: Any,
                        defaults: Mapping[str, Any] | None = None) -> dict[str, IssuerSettings]:
    """The ``issuers`` tables of the TOML file; ConfigError listing every problem at once."""
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError("issuers: must hold one table per EHR, e.g. "
                          '[issuers."https://ehr.example.org/fhir"] with its client_id')
    problems: list[str] = []
    found = {}
    for iss, table in tables.items():
        issuer = _one(str(iss), table, problems, defaults or {})
        if issuer is not None:
            found[issuer.iss] = issuer
    if problems:
        raise ConfigError("Alliance Panel cannot start; fix these issuer settings:\n  "
                          + "\n  ".join(problems))
    return found


def issuers_from(settings: Settings) -> dict[str, IssuerSettings]:
    """Every allowed issuer's registration: its table when it has one, else the top-level
    client (ALLIANCE_CLIENT_ID and the rest: one EHR configured by environment variables)."""
    defaults = {key: getattr(settings, key) for key in LIMIT_RANGES}
    tables = parse_issuer_tables(settings.issuers, defaults) if settings.issuers else {}
    found = dict(tables)
    for iss in settings.allowed_iss:
        base = iss.rstrip("/")
        found.setdefault(base, IssuerSettings(
            iss=base, client_id=settings.client_id, client_secret=settings.client_secret,
            private_key_pem=settings.private_key_pem, private_key_alg=settings.private_key_alg,
            record_store_url=settings.record_store_url,
            record_store_client_id=settings.record_store_client_id,
            record_store_mode=settings.record_store_mode,
            limits=read_limits(defaults, {}, "settings", [])))
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
