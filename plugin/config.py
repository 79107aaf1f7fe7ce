"""Configuration: ALLIANCE_* environment variables, optionally a TOML file named by ALLIANCE_CONFIG.

Every setting is validated at start-up; a bad one stops the app with a message that names the
setting and says how to fix it. Environment variables win over the file.
"""

from __future__ import annotations

import math
import os
import tempfile
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

import fhir_profiles
from plugin.alliance import (
    AllianceError,
    NormsError,
    NormSet,
    instrument_from_questionnaire,
    parse_site_norms,
)
from plugin.errors import ConfigError

PREFIX = "ALLIANCE_"

# What each setting is for, shown when it is wrong or missing.
HINTS = {
    "public_url": "the address clinicians' browsers use to reach this app, "
    "e.g. https://alliance.example.org (the redirect URI is {PUBLIC_URL}/callback)",
    "client_id": "the client id the EHR's authorization server registered for this app",
    "client_secret": "the secret of a confidential symmetric client; leave unset otherwise",
    "private_key_file": "a PEM private key (RSA or EC P-384) for private_key_jwt; "
    "`alliance keygen` writes one",
    "private_key_alg": "RS384 or ES384, matching the key in ALLIANCE_PRIVATE_KEY_FILE",
    "allowed_iss": "comma-separated FHIR base URLs the app may be launched from, "
    "e.g. https://fhir.example.org/r4",
    "secret_key": "a random string of at least 32 characters (not a word or a repeated "
    "character), e.g. from `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`",
    "development": "true only on a developer's machine: allows http URLs (public_url, "
    "allowed_iss, the EHR's endpoints); false (the default) requires https everywhere",
    "data_dir": "a writable folder for the app's session store (default ./var)",
    "session_store_url": "a shared session store for several instances: "
    "postgresql://user:password@host:5432/db or redis://host:6379/0 (unset: SQLite in "
    "ALLIANCE_DATA_DIR, for a single instance)",
    "trusted_proxies": "how many proxies (balancers) stand in front of the app and add "
    "X-Forwarded-For / X-Forwarded-Proto: 1 behind one nginx (default 0: none; the client's "
    "address then counts launches per address)",
    "frame_ancestors": "space-separated origins allowed to frame the app, "
    "e.g. https://ehr.example.org ('self' by default)",
    "session_hours": "how many hours a launch stays usable (default 8)",
    "record_store_url": "the FHIR base URL of a companion store for records the EHR will not "
    "accept, e.g. https://records.example.org/fhir (SMART backend services auth)",
    "record_store_client_id": "the client id registered at the companion store's "
    "authorization server (default: ALLIANCE_CLIENT_ID)",
    "record_store_mode": "auto (the EHR when its CapabilityStatement accepts the records, else "
    "the companion store), ehr, or companion",
    "instruments": "comma-separated Questionnaire ids to offer, from fhir_profiles/ "
    "(default: alliance-checkin-client,alliance-checkin-therapist,wai-sr-client,srs)",
    "text_packs": "comma-separated JSON files with licensed item wording (a text pack per "
    "instrument); without one a licensed paper form is typed in by item number",
    "audit_destination": "where the app's AuditEvents go: log (default, the hash-chained "
    "JSON-lines file ALLIANCE_AUDIT_LOG) or record-store (the companion store, which needs "
    "ALLIANCE_RECORD_STORE_URL)",
    "audit_log": "the JSON-lines audit log (default {DATA_DIR}/audit/audit.jsonl)",
    "audit_key_dir": "the folder of the audit chain's MAC keys (default: keys beside the audit "
    "log); keep it out of reach of whoever can read the log, and back it up",
    "audit_checkpoint_dir": "a folder on another disk or host (e.g. a mounted share the app may "
    "write and its operators may not rewrite) where the app keeps a signed checkpoint of the "
    "audit log after every append; `alliance audit --checkpoint` compares the log with it",
    "ops_token": "a random token of at least 32 characters; /metrics and /readyz then answer "
    "only requests with Authorization: Bearer <token> (unset: they answer anyone)",
    "issuers": "one TOML table per EHR, [issuers.\"https://ehr.example.org/fhir\"], with its "
    "client_id and optionally client_secret, private_key_file or key_dir, scope_syntax, access "
    "and record_store_url (see docs/integrators.md)",
    "norms_file": "a JSON file of local norms (cut-offs, SDs, test-retest reliabilities, each "
    "with its source) laid over the shipped ones in fhir_profiles/norms/; see "
    "plugin/alliance/README.md",
    "response_max_mib": "the largest answer read from an EHR or store, in MiB, as received and "
    "after decompression (default 32; an [issuers] table may set its own)",
    "response_max_entries": "the most entries read in one Bundle (one page of a search) "
    "(default 10000)",
    "response_max_depth": "how deeply an answer's JSON may nest objects and arrays (default 64)",
    "response_deadline_seconds": "how long one request to an EHR or store may take in all, "
    "connecting, waiting and reading (default 30)",
    "ca_bundle": "a PEM file of the certificate authorities trusted for every outbound HTTPS "
    "request (the EHRs, their authorization servers, the companion store), e.g. the hospital's "
    "internal CA with the public ones it needs, /etc/ssl/certs/ca-certificates.crt (unset: "
    "the public authorities that requests trusts)",
    "organization": "a FHIR reference to the organisation the app acts for, "
    "e.g. Organization/123 (recorded in each Provenance)",
}

DEFAULT_INSTRUMENTS = "alliance-checkin-client,alliance-checkin-therapist,wai-sr-client,srs"


MIN_SECRET_BITS = 100.0  # estimated from the key's own characters (project default)
MIN_SECRET_SYMBOLS = 12  # distinct characters


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def secret_bits(value: str) -> float:
    """An estimate of a key's entropy: its length times the Shannon entropy of its own
    character frequencies. "k"*40 has 0 bits; a token_urlsafe(32) has about 200."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    per_char = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_char * total


class _CommaList(fields.Field[list[str]]):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip().rstrip("/") for item in items if str(item).strip()]


@dataclass(frozen=True)
class Settings:
    public_url: str
    client_id: str
    allowed_iss: tuple[str, ...]
    secret_key: str = field(repr=False)
    data_dir: Path
    session_store_url: str | None = field(default=None, repr=False)  # may hold a password
    trusted_proxies: int = 0  # X-Forwarded-* hops to believe (balancers in front)
    frame_ancestors: str = "'self'"
    client_secret: str | None = field(default=None, repr=False)
    private_key_pem: bytes | None = field(default=None, repr=False)
    private_key_alg: str = "RS384"
    session_hours: float = 8.0
    record_store_url: str | None = None
    record_store_client_id: str | None = None
    record_store_mode: str = "auto"
    instruments: tuple[str, ...] = tuple(DEFAULT_INSTRUMENTS.split(","))
    text_packs: tuple[Path, ...] = ()
    organization: str | None = None
    audit_destination: str = "log"
    audit_log: Path | None = None
    audit_key_dir: Path | None = None
    audit_checkpoint_dir: Path | None = None
    ops_token: str | None = field(default=None, repr=False)
    # the TOML file's [issuers."<FHIR base>"] tables, as read; plugin.launch.issuers checks them
    issuers: Mapping[str, Any] = field(default_factory=dict, compare=False)
    norms_file: Path | None = None
    norms: NormSet | None = field(default=None, repr=False)  # the site's, validated
    development: bool = False  # http allowed (public_url, allowed_iss, SMART endpoints)
    # Bounds on every answer read from outside (smart_launch.limits.ReadLimits); the defaults
    # for every EHR, which an [issuers] table may override. docs/security.md says why.
    response_max_mib: float = 32.0
    response_max_entries: int = 10_000
    response_max_depth: int = 64
    response_deadline_seconds: float = 30.0
    ca_bundle: Path | None = None  # authorities trusted for outbound HTTPS (None: requests')

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/callback"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


CA_BUNDLE_HINT = (
    "If its certificate comes from an internal certificate authority, set ALLIANCE_CA_BUNDLE "
    "to a PEM file of that authority's certificate")


def ca_bundle_problem(value: str) -> str | None:
    """Why ``value`` cannot serve as ALLIANCE_CA_BUNDLE, or None when it can."""
    try:
        text = Path(value).read_bytes()
    except OSError as err:
        return f"cannot read {value}: {err.strerror or err}"
    if b"-----BEGIN CERTIFICATE-----" not in text:
        return f"{value} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
    return None


def plain_http_problem(values: list[str]) -> str | None:
    """The rule outside development, for `serve` and `check` alike: every URL the app serves
    or trusts is https. The message for the plain-http ones, or None."""
    plain = [v for v in values if urlsplit(v).scheme == "http"]
    if not plain:
        return None
    return (f"{', '.join(plain)} is plain http; use https (or set ALLIANCE_DEVELOPMENT=true "
            "on a developer's machine)")


class _OutboundSchema(Schema):
    """The settings every outbound request obeys, for the commands that need no others."""

    ca_bundle = fields.String(load_default=None)
    development = fields.Boolean(load_default=False)

    @validates("ca_bundle")
    def _check_ca_bundle(self, value: str | None, **_: Any) -> None:
        problem = ca_bundle_problem(value) if value else None
        if problem:
            raise ValidationError(problem)


@dataclass(frozen=True)
class Outbound:
    ca_bundle: Path | None
    development: bool


def load_outbound(environ: Mapping[str, str] | None = None) -> Outbound:
    """ALLIANCE_CA_BUNDLE and ALLIANCE_DEVELOPMENT (or their TOML keys) alone, validated as
    `serve` validates them: what `check`, `install` and `audit` need to reach a server."""
    raw, origins = read_settings_with_origins(os.environ if environ is None else environ)
    wanted = {k: v for k, v in raw.items() if k in _OutboundSchema().fields}
    try:
        data = _OutboundSchema().load(wanted)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"settings": err.messages}
        raise ConfigError(_explain(messages, origins)) from err
    return Outbound(ca_bundle=Path(data["ca_bundle"]) if data.get("ca_bundle") else None,
                    development=bool(data["development"]))


class _SettingsSchema(Schema):
    public_url = fields.String(required=True)
    client_id = fields.String(required=True, validate=validate.Length(min=1))
    client_secret = fields.String(load_default=None)
    private_key_file = fields.String(load_default=None)
    private_key_alg = fields.String(
        load_default="RS384", validate=validate.OneOf(["RS384", "ES384"])
    )
    allowed_iss = _CommaList(required=True)
    secret_key = fields.String(required=True, validate=validate.Length(min=32))
    development = fields.Boolean(load_default=False)
    data_dir = fields.String(load_default="./var")
    session_store_url = fields.String(load_default=None)
    trusted_proxies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=5))
    frame_ancestors = fields.String(load_default="'self'")
    session_hours = fields.Float(load_default=8.0, validate=validate.Range(min=0.1, max=72))
    record_store_url = fields.String(load_default=None)
    record_store_client_id = fields.String(load_default=None)
    record_store_mode = fields.String(
        load_default="auto", validate=validate.OneOf(["auto", "ehr", "companion"])
    )
    instruments = _CommaList(load_default=DEFAULT_INSTRUMENTS.split(","))
    text_packs = _CommaList(load_default=[])
    audit_destination = fields.String(
        load_default="log", validate=validate.OneOf(["log", "record-store"])
    )
    audit_log = fields.String(load_default=None)
    audit_key_dir = fields.String(load_default=None)
    audit_checkpoint_dir = fields.String(load_default=None)
    ops_token = fields.String(load_default=None)
    ca_bundle = fields.String(load_default=None)
    issuers = fields.Dict(keys=fields.String(), load_default=dict)
    response_max_mib = fields.Float(load_default=32.0, validate=validate.Range(min=0.0625,
                                                                              max=1024))
    response_max_entries = fields.Integer(load_default=10_000,
                                          validate=validate.Range(min=10, max=1_000_000))
    response_max_depth = fields.Integer(load_default=64, validate=validate.Range(min=8, max=256))
    response_deadline_seconds = fields.Float(load_default=30.0,
                                             validate=validate.Range(min=1, max=600))

    @pre_load
    def _issuer_defaults(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """With issuer tables, the allowed issuers default to theirs and the top-level
        client_id to the first table's (used only by an allowed issuer without a table)."""
        tables = data.get("issuers")
        if isinstance(tables, Mapping) and tables:
            data = dict(data)
            first = next(iter(tables.values()))
            if "client_id" not in data and isinstance(first, Mapping) and first.get("client_id"):
                data["client_id"] = first["client_id"]
            if "allowed_iss" not in data:
                data["allowed_iss"] = list(tables)
        return data
    norms_file = fields.String(load_default=None)
    organization = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^Organization/[A-Za-z0-9\-.]{1,64}$", error="not a reference like Organization/123"
        ),
    )

    @validates("record_store_url")
    def _check_store(self, value: str | None, **_: Any) -> None:
        if value and not _is_http_url(value):
            raise ValidationError(f"not an http(s) URL: {value!r}")

    @validates("session_store_url")
    def _check_session_store(self, value: str | None, **_: Any) -> None:
        if not value:
            return
        parts = urlsplit(value)
        schemes = ("postgresql", "postgres", "redis", "rediss")
        if parts.scheme not in schemes or not (parts.netloc or parts.query):
            shown = f"{parts.scheme}://{parts.hostname or ''}" if parts.scheme else "(no scheme)"
            raise ValidationError(f"not a postgresql:// or redis:// URL: {shown}")

    @validates("text_packs")
    def _check_packs(self, value: list[str], **_: Any) -> None:
        missing = [v for v in value if not Path(v).is_file()]
        if missing:
            raise ValidationError(f"no such file: {', '.join(missing)}")

    @validates("data_dir")
    def _check_data_dir(self, value: str, **_: Any) -> None:
        problem = writable_folder_problem(Path(value))
        if problem:
            raise ValidationError(problem)

    @validates("audit_checkpoint_dir")
    def _check_checkpoint_dir(self, value: str | None, **_: Any) -> None:
        problem = writable_folder_problem(Path(value)) if value else None
        if problem:
            raise ValidationError(problem)

    @validates("ca_bundle")
    def _check_ca_bundle(self, value: str | None, **_: Any) -> None:
        problem = ca_bundle_problem(value) if value else None
        if problem:
            raise ValidationError(problem)

    @validates("ops_token")
    def _check_ops_token(self, value: str | None, **_: Any) -> None:
        if value is not None and (len(value) < 32 or secret_bits(value) < MIN_SECRET_BITS):
            raise ValidationError("too short or too predictable; use a random one")

    @validates("public_url")
    def _check_public_url(self, value: str, **_: Any) -> None:
        if not _is_http_url(value):
            raise ValidationError(f"not an http(s) URL: {value!r}")

    @validates("allowed_iss")
    def _check_iss(self, value: list[str], **_: Any) -> None:
        if not value:
            raise ValidationError("no FHIR base URL given")
        bad = [v for v in value if not _is_http_url(v)]
        if bad:
            raise ValidationError(f"not an http(s) URL: {', '.join(bad)}")

    @validates("secret_key")
    def _check_secret(self, value: str, **_: Any) -> None:
        if len(set(value)) < MIN_SECRET_SYMBOLS or secret_bits(value) < MIN_SECRET_BITS:
            raise ValidationError(
                "too predictable (a word, a pattern or repeated characters); use a random one")

    @validates_schema
    def _check_https(self, data: dict[str, Any], **_: Any) -> None:
        """Outside development every URL the app serves or trusts is https."""
        if data.get("development"):
            return
        for name in ("public_url", "allowed_iss", "record_store_url"):
            value = data.get(name)
            values = value if isinstance(value, list) else [value] if value else []
            problem = plain_http_problem(values)
            if problem:
                raise ValidationError(problem, field_name=name)

    @validates_schema
    def _check_companion(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("audit_destination") == "record-store" and not data.get("record_store_url")
                and not data.get("issuers")):  # with tables: each EHR's own (create_app checks)
            raise ValidationError(
                "record-store needs ALLIANCE_RECORD_STORE_URL", field_name="audit_destination"
            )
        if data.get("record_store_mode") == "companion" and not data.get("record_store_url"):
            raise ValidationError(
                "companion mode needs ALLIANCE_RECORD_STORE_URL", field_name="record_store_mode"
            )
        if data.get("record_store_url") and not data.get("private_key_file"):
            raise ValidationError(
                "a companion store is reached with SMART backend services, which needs "
                "ALLIANCE_PRIVATE_KEY_FILE",
                field_name="record_store_url",
            )

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Settings:
        pem = None
        if data.get("private_key_file"):
            path = Path(data["private_key_file"])
            try:
                pem = path.read_bytes()
            except OSError as err:
                raise ValidationError(
                    f"cannot read {path}: {err.strerror}", field_name="private_key_file"
                ) from err
            if b"PRIVATE KEY" not in pem:
                raise ValidationError(
                    f"{path} is not a PEM private key", field_name="private_key_file"
                )
        norms = _site_norms(data.get("norms_file"), data["instruments"])
        return Settings(
            public_url=data["public_url"].rstrip("/"),
            client_id=data["client_id"],
            client_secret=data.get("client_secret") or None,
            private_key_pem=pem,
            private_key_alg=data["private_key_alg"],
            allowed_iss=tuple(data["allowed_iss"]),
            secret_key=data["secret_key"],
            data_dir=Path(data["data_dir"]),
            session_store_url=data.get("session_store_url") or None,
            trusted_proxies=int(data["trusted_proxies"]),
            frame_ancestors=data["frame_ancestors"],
            session_hours=data["session_hours"],
            record_store_url=(data.get("record_store_url") or "").rstrip("/") or None,
            record_store_client_id=data.get("record_store_client_id") or None,
            record_store_mode=data["record_store_mode"],
            instruments=tuple(data["instruments"]),
            text_packs=tuple(Path(p) for p in data["text_packs"]),
            organization=data.get("organization") or None,
            audit_destination=data["audit_destination"],
            audit_log=Path(data["audit_log"]) if data.get("audit_log") else None,
            audit_key_dir=Path(data["audit_key_dir"]) if data.get("audit_key_dir") else None,
            audit_checkpoint_dir=(Path(data["audit_checkpoint_dir"])
                                  if data.get("audit_checkpoint_dir") else None),
            ops_token=data.get("ops_token") or None,
            issuers=dict(data.get("issuers") or {}),
            norms_file=Path(data["norms_file"]) if data.get("norms_file") else None,
            norms=norms,
            development=bool(data.get("development")),
            response_max_mib=float(data["response_max_mib"]),
            response_max_entries=int(data["response_max_entries"]),
            response_max_depth=int(data["response_max_depth"]),
            response_deadline_seconds=float(data["response_deadline_seconds"]),
            ca_bundle=Path(data["ca_bundle"]) if data.get("ca_bundle") else None,
        )


def writable_folder_problem(folder: Path) -> str | None:
    """Why the app could not keep files in `folder` (created if missing), or None if it can.
    Tried for real (a probe file), since permissions alone do not tell (root, read-only mounts)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-probe-"):
            pass
    except OSError as err:
        return f"cannot write to {folder}: {err.strerror or err}"
    return None


def _label(name: str, origins: Mapping[str, str]) -> str:
    """A setting as the person wrote it: the TOML key in its file, else the variable."""
    origin = origins.get(name)
    if origin:
        return f"{name} (in {origin})"
    return f"{PREFIX}{name.upper()}"


def _site_norms(name: str | None, instrument_ids: list[str]) -> NormSet | None:
    """The site's norms file read and validated against the offered instruments, or None."""
    if not name:
        return None
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValidationError(f"cannot read {path}: {err}", field_name="norms_file") from err
    instruments = []
    for instrument_id in instrument_ids:
        try:
            q = fhir_profiles.questionnaire(instrument_id)
            instruments.append(instrument_from_questionnaire(q))
        except (fhir_profiles.ProfileNotFound, AllianceError):
            continue  # the instruments setting reports its own problems
    try:
        return parse_site_norms(text, instruments, origin=str(path))
    except NormsError as err:
        raise ValidationError(err.message, field_name="norms_file") from err


def _explain(errors: Mapping[str, Any], origins: Mapping[str, str]) -> str:
    lines = ["Alliance Panel cannot start; fix these settings:"]
    for name in sorted(errors):
        detail = errors[name]
        text = "; ".join(detail) if isinstance(detail, list) else str(detail)
        text = text.rstrip(".")
        hint = HINTS.get(name)
        label = name if name in ("_schema", "settings") else _label(name, origins)
        lines.append(f"  {label}: {text}" + (f". Set it to {hint}." if hint else ""))
    return "\n".join(lines)


def read_settings_source(environ: Mapping[str, str]) -> dict[str, Any]:
    """Collect raw values: the TOML file first (if any), then ALLIANCE_* variables over it."""
    return read_settings_with_origins(environ)[0]


def read_settings_with_origins(
    environ: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The raw values and, for each one taken from the TOML file, that file's path (so an error
    names the key the person wrote, not an environment variable they never set)."""
    raw: dict[str, Any] = {}
    origins: dict[str, str] = {}
    config_file = environ.get(f"{PREFIX}CONFIG")
    if config_file:
        try:
            with open(config_file, "rb") as handle:
                from_file = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(
                f"{PREFIX}CONFIG: cannot read {config_file}: {err}. "
                "Point it at a readable TOML file or unset it."
            ) from err
        raw.update(from_file)
        origins.update((key, config_file) for key in from_file)
    for key, value in environ.items():
        if key.startswith(PREFIX) and key != f"{PREFIX}CONFIG":
            name = key[len(PREFIX) :].lower()
            raw[name] = value
            origins.pop(name, None)
    return raw, origins


def load_settings(
    source: Mapping[str, Any] | None = None, origins: Mapping[str, str] | None = None
) -> Settings:
    """Validate settings from a mapping (lower-case names) or, by default, the environment.
    Every problem is reported in one message: unknown names beside wrong values, each named
    as it was written (`origins`: the TOML file of keys that came from one)."""
    if source is None:
        raw, origins = read_settings_with_origins(os.environ)
    else:
        raw, origins = dict(source), dict(origins or {})
    known = set(_SettingsSchema().fields)
    errors: dict[str, Any] = {
        name: f"not a setting Alliance Panel knows (known: {', '.join(sorted(HINTS))})"
        for name in sorted(set(raw) - known)
    }
    try:
        settings: Settings = _SettingsSchema().load({k: v for k, v in raw.items() if k in known})
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"settings": err.messages}
        errors.update(messages)
    if errors:
        raise ConfigError(_explain(errors, origins))
    return settings
