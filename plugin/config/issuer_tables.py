"""The keys of an [issuers."<FHIR base>"] table, each declared once, and their validation.

A table is read by a marshmallow schema derived from ``IssuerTable`` as the top-level settings
are from ``Settings``: the keys it shares with them (client_id, the companion store, the
bounds on answers) have the same kinds and checks, so the same words when wrong. Every problem
of every table is reported at once, each naming its table and key; plugin.launch.issuers
turns the loaded tables into each EHR's registration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from plugin.config import checks
from plugin.config.declare import declarations, setting
from plugin.config.kinds import (
    KEY_ALGS,
    NONEMPTY_TEXT,
    PATH,
    RECORD_STORE_MODES,
    TEXT,
    URL,
    Kind,
    choice,
    number,
)

_TOP = "the ALLIANCE_ setting"
CREDENTIALS = ("client_secret", "private_key_file", "key_dir")


@dataclass(frozen=True, kw_only=True)
class IssuerTable:
    client_id: str = setting(kind=NONEMPTY_TEXT, example="epic-prod",
                             help="the client id this EHR registered for the app")
    client_secret: str | None = setting(
        None, kind=TEXT, secret=True, example="(from the registration)",
        help="this EHR's client secret (one of client_secret, private_key_file, key_dir)")
    private_key_file: Path | None = setting(
        None, kind=PATH, example="/etc/alliance/oracle.pem",
        help="a PEM private key for private_key_jwt at this EHR")
    private_key_alg: str = setting("RS384", kind=KEY_ALGS, example="ES384",
                                   help="the algorithm of private_key_file")
    key_dir: Path | None = setting(
        None, kind=PATH, example="/etc/alliance/keys/epic",
        help="a folder of rotating keys (`alliance keys --dir DIR add`) for private_key_jwt")
    scope_syntax: str = setting(
        "auto", kind=choice("auto", "v1", "v2"), example="v1",
        help="SMART scope syntax: auto (from the EHR's discovery), v1 or v2")
    access: str = setting("offline", kind=choice("offline", "online"), example="online",
                          help="offline_access or online_access")
    record_store_url: str | None = setting(
        None, kind=URL, validate=[checks.http_url], example="https://records.example.org/fhir",
        help="this EHR's companion record store (needs private_key_file or key_dir)")
    record_store_client_id: str | None = setting(
        None, kind=TEXT, default_text="client_id", example="alliance-records",
        help="the client id at that store")
    record_store_mode: str = setting("auto", kind=RECORD_STORE_MODES, example="companion",
                                     help="where this EHR's records go, as "
                                     "ALLIANCE_RECORD_STORE_MODE")
    response_max_mib: float | None = setting(
        None, kind=number(0.0625, 1024), default_text=_TOP, example="8",
        help="the largest answer read from this EHR, in MiB")
    response_max_entries: int | None = setting(
        None, kind=number(10, 1_000_000, whole=True), default_text=_TOP, example="5000",
        help="the most entries read in one Bundle from this EHR")
    response_max_depth: int | None = setting(
        None, kind=number(8, 256, whole=True), default_text=_TOP, example="32",
        help="how deeply this EHR's JSON may nest")
    response_deadline_seconds: float | None = setting(
        None, kind=number(1, 600), default_text=_TOP, example="20",
        help="how long one request to this EHR may take in all")


KEYS = tuple(d.name for d in declarations(IssuerTable))


class _TableSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # reported by load_issuer_tables, with the known keys

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_credentials(self, data: Mapping[str, Any], original: Mapping[str, Any],
                           **_: Any) -> None:
        given = [k for k in CREDENTIALS if k in original]
        if len(given) > 1:
            raise ValidationError(f"set one of client_secret, private_key_file or key_dir, "
                                  f"not {' and '.join(given)}")
        companion = "record_store_url" in original or data.get("record_store_mode") == "companion"
        if companion and not (data.get("private_key_file") or data.get("key_dir")) \
                and not ({"private_key_file", "key_dir"} & set(original)):
            raise ValidationError("a companion record store is reached with SMART backend "
                                  "services, which needs private_key_file or key_dir")


def _table_fields() -> dict[str, Any]:
    return {d.name: d.field(required=d.required, error_messages={
        "required": "missing; set the client id this EHR registered"} if d.required else None)
        for d in declarations(IssuerTable)}


TableSchema = _TableSchema.from_dict(_table_fields(), name="IssuerTableSchema")


def load_issuer_tables(tables: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each table's values, validated (the files they name are not read: see
    ``read_table_files``), and every problem of every table, each starting with its table's
    name."""
    if not isinstance(tables, Mapping):
        return {}, ["issuers: must hold one table per EHR, e.g. "
                    '[issuers."https://ehr.example.org/fhir"] with its client_id']
    loaded: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for iss, table in tables.items():
        name = f'[issuers."{iss}"]'
        if not checks.is_http_url(str(iss)):
            problems.append(f"{name}: the table name must be the EHR's FHIR base URL")
            continue
        if not isinstance(table, Mapping):
            problems.append(f"{name}: must be a table of settings")
            continue
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            problems.append(f"{name}: unknown key(s) {', '.join(unknown)}; "
                            f"known: {', '.join(KEYS)}")
        try:
            values: dict[str, Any] = TableSchema().load(dict(table))
        except ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
            problems.extend(_named(name, messages))
            continue
        if unknown:
            continue
        loaded[str(iss).rstrip("/")] = values
    return loaded, problems


def read_table_files(
    tables: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The loaded tables with each key file's text as ``private_key_pem``, once each key file
    and key folder was found usable; every problem, each starting with its table's name.
    Checking calls it (plugin.config.checking); loading never reads these files."""
    read: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for iss, table in tables.items():
        values = dict(table)
        found: dict[str, list[str]] = {}
        if values.get("private_key_file"):
            values["private_key_pem"], problem = checks.read_private_key(values["private_key_file"])
            if problem:
                found["private_key_file"] = [problem]
        if values.get("key_dir"):
            problem = checks.key_folder_problem(values["key_dir"])
            if problem:
                found["key_dir"] = [problem]
        problems.extend(_named(f'[issuers."{iss}"]', found))
        read[iss] = values
    return read, problems


def _named(name: str, messages: Mapping[str, Any]) -> list[str]:
    lines = []
    for key in sorted(messages, key=lambda k: (k != "_schema", KEYS.index(k) if k in KEYS
                                               else 0)):
        detail = messages[key]
        text = "; ".join(str(m).rstrip(".") for m in detail) if isinstance(detail, list) \
            else str(detail)
        lines.append(f"{name}: {text}" if key == "_schema" else f"{name} {key}: {text}")
    return lines


class _TablesField(fields.Field[dict[str, dict[str, Any]]]):
    """The ``issuers`` setting: every table loaded, or every problem listed."""

    def _deserialize(self, value: Any, attr: Any, data: Any,
                     **kwargs: Any) -> dict[str, dict[str, Any]]:
        if isinstance(value, Mapping) and not value:
            return {}
        loaded, problems = load_issuer_tables(value)
        if problems:
            raise ValidationError(problems)
        return loaded


ISSUER_TABLES = Kind("TOML tables", lambda validators=(), **options: _TablesField(**options))
