"""Settings: every ALLIANCE_ setting, each declared once, on its field (plugin.config.declare).

The order here is the order of docs/configuration.md. Fields without ``setting(...)`` are
derived while loading (the private key's text) or while checking (the site's norms).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import validate

from plugin.alliance import NormSet
from plugin.config import checks
from plugin.config.declare import setting
from plugin.config.issuer_tables import ISSUER_TABLES
from plugin.config.kinds import (
    FLAG,
    KEY_ALGS,
    NAMES,
    NONEMPTY_TEXT,
    PATH,
    PATHS,
    RECORD_STORE_MODES,
    TEXT,
    URL,
    URLS,
    choice,
    number,
)

DEFAULT_INSTRUMENTS = "alliance-checkin-client,alliance-checkin-therapist,wai-sr-client,srs"
ORGANIZATION = validate.Regexp(r"^Organization/[A-Za-z0-9\-.]{1,64}$",
                               error="not a reference like Organization/123")


@dataclass(frozen=True, kw_only=True)
class Settings:
    public_url: str = setting(
        kind=URL, validate=[checks.http_url],
        help="the address clinicians' browsers use to reach this app (the redirect URI is "
        "{PUBLIC_URL}/callback)", example="https://alliance.example.org")
    client_id: str = setting(
        kind=NONEMPTY_TEXT, example="alliance-prod",
        help="the client id the EHR's authorization server registered for this app "
        "(with [issuers] tables: the first table's)")
    allowed_iss: tuple[str, ...] = setting(
        kind=URLS, validate=[checks.http_urls], example="https://fhir.example.org/r4",
        help="the FHIR base URLs the app may be launched from; any other iss is refused "
        "before a request leaves the app (with [issuers] tables: theirs)")
    secret_key: str = setting(
        kind=NONEMPTY_TEXT, secret=True, validate=[checks.random_secret],
        help="a random string of at least 32 characters (not a word or a repeated "
        "character); it seals everything in the session store",
        example="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    client_secret: str | None = setting(
        None, kind=TEXT, secret=True, example="(from the EHR's registration)",
        help="the secret of a confidential symmetric client (client_secret_basic); leave "
        "unset otherwise")
    private_key_file: Path | None = setting(
        None, kind=PATH, example="/etc/alliance/key.pem",
        help="a PEM private key (RSA or EC P-384) for private_key_jwt; `alliance keygen` "
        "writes one")
    private_key_alg: str = setting(
        "RS384", kind=KEY_ALGS, example="ES384",
        help="the signing algorithm, matching the key in ALLIANCE_PRIVATE_KEY_FILE")
    development: bool = setting(
        False, kind=FLAG, example="true",
        help="true only on a developer's machine: allows http URLs (public_url, allowed_iss, "
        "the EHR's endpoints); false requires https everywhere")
    data_dir: Path = setting(
        Path("var"), kind=PATH, example="/var/lib/alliance",
        help="a writable folder for the app's session store and audit log")
    session_store_url: str | None = setting(
        None, kind=TEXT, secret=True, validate=[checks.session_store_url],
        example="redis://cache.internal:6379/0",
        help="a session store shared by several instances: "
        "postgresql://user:password@host:5432/db or redis://host:6379/0 (unset: SQLite in "
        "ALLIANCE_DATA_DIR, for a single instance)")
    trusted_proxies: int = setting(
        0, kind=number(0, 5, whole=True), example="1",
        help="how many proxies (balancers) in front of the app add X-Forwarded-For / "
        "X-Forwarded-Proto / X-Forwarded-Prefix: 1 behind one nginx (0: the client's own "
        "address counts launches per address)")
    frame_ancestors: str = setting(
        "'self'", kind=TEXT, example="https://ehr.example.org",
        help="space-separated origins allowed to frame the app (CSP frame-ancestors)")
    session_hours: float = setting(
        8.0, kind=number(0.1, 72), example="10", help="how many hours a launch stays usable")
    client_link_hours: float = setting(
        72.0, kind=number(0.25, 336), example="48",
        help="how many hours a client's one-time link stays usable (project default 72; "
        "docs/clients.md)")
    record_store_url: str | None = setting(
        None, kind=URL, validate=[checks.http_url], example="https://records.example.org/fhir",
        help="the FHIR base URL of a companion store for records the EHR will not accept "
        "(reached with SMART backend services: needs ALLIANCE_PRIVATE_KEY_FILE)")
    record_store_client_id: str | None = setting(
        None, kind=TEXT, default_text="ALLIANCE_CLIENT_ID", example="alliance-records",
        help="the client id registered at the companion store's authorization server")
    record_store_mode: str = setting(
        "auto", kind=RECORD_STORE_MODES, example="companion",
        help="where records go: auto (the EHR when its CapabilityStatement accepts them, "
        "else the companion store), ehr, or companion")
    instruments: tuple[str, ...] = setting(
        tuple(DEFAULT_INSTRUMENTS.split(",")), kind=NAMES, example="srs,wai-sr-client",
        help="the Questionnaire ids to offer, from fhir_profiles/")
    text_packs: tuple[Path, ...] = setting(
        (), kind=PATHS, example="/etc/alliance/wai-sr.json",
        help="JSON files with licensed item wording (a text pack per instrument); without "
        "one a licensed paper form is typed in by item number")
    organization: str | None = setting(
        None, kind=TEXT, validate=[ORGANIZATION], example="Organization/123",
        help="a FHIR reference to the organisation the app acts for (recorded in each "
        "Provenance)")
    audit_destination: str = setting(
        "log", kind=choice("log", "record-store"), example="record-store",
        help="where the app's AuditEvents go: log (the hash-chained JSON-lines file "
        "ALLIANCE_AUDIT_LOG) or record-store (the companion store)")
    audit_log: Path | None = setting(
        None, kind=PATH, default_text="{DATA_DIR}/audit/audit.jsonl",
        example="/var/log/alliance/audit.jsonl", help="the JSON-lines audit log")
    audit_key_dir: Path | None = setting(
        None, kind=PATH, default_text="keys beside the audit log",
        example="/etc/alliance/audit-keys",
        help="the folder of the audit chain's MAC keys; keep it out of reach of whoever can "
        "read the log, and back it up (docs/audit.md)")
    audit_checkpoint_dir: Path | None = setting(
        None, kind=PATH, example="/mnt/witness/alliance",
        help="a folder on another disk or host (a share the app may write and its operators "
        "may not rewrite) where the app keeps a signed checkpoint of the audit log after "
        "every append; `alliance audit --checkpoint` compares the log with it")
    ops_token: str | None = setting(
        None, kind=TEXT, secret=True, validate=[checks.random_token],
        example="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')",
        help="a random token of at least 32 characters; /metrics and /readyz then answer only "
        "requests with Authorization: Bearer <token> (unset: they answer anyone)")
    issuers: Mapping[str, Mapping[str, Any]] = setting(
        kind=ISSUER_TABLES, factory=dict, default_text="none", secret=True,
        example='[issuers."https://ehr.example.org/fhir"] with client_id = "..."',
        help="one TOML table per EHR, with its own registration (keys below; "
        "docs/several-ehrs.md)")
    norms_file: Path | None = setting(
        None, kind=PATH, example="/etc/alliance/norms.json",
        help="a JSON file of local norms (cut-offs, SDs, test-retest reliabilities, each with "
        "its source) laid over the shipped ones in fhir_profiles/norms/; see "
        "plugin/alliance/README.md")
    response_max_mib: float = setting(
        32.0, kind=number(0.0625, 1024), example="8",
        help="the largest answer read from an EHR or store, in MiB, as received and after "
        "decompression (an [issuers] table may set its own)")
    response_max_entries: int = setting(
        10_000, kind=number(10, 1_000_000, whole=True), example="5000",
        help="the most entries read in one Bundle (one page of a search)")
    response_max_depth: int = setting(
        64, kind=number(8, 256, whole=True), example="32",
        help="how deeply an answer's JSON may nest objects and arrays")
    response_deadline_seconds: float = setting(
        30.0, kind=number(1, 600), example="20",
        help="how long one request to an EHR or store may take in all, connecting, waiting "
        "and reading")
    ca_bundle: Path | None = setting(
        None, kind=PATH,
        example="/etc/ssl/certs/ca-certificates.crt",
        help="a PEM file of the certificate authorities trusted for every outbound HTTPS "
        "request (the EHRs, their authorization servers, the companion store), e.g. the "
        "hospital's internal CA with the public ones it needs (unset: the public authorities "
        "that requests trusts)")
    # Derived, not settings, both filled in when checking (plugin.config.checking): the key
    # file's text, and the site's norms validated against the offered instruments.
    private_key_pem: bytes | None = field(default=None, repr=False)
    norms: NormSet | None = field(default=None, repr=False)
    # the TOML file each setting read from one came from, so a problem found when checking
    # names the key as it was written
    origins: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/callback"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")
