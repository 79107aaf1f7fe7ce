"""The settings' marshmallow schema, derived from the declarations on Settings, with the rules
that tie settings together; ``load_settings`` and the one message that lists every problem.

Loading reads the values given (the environment and the TOML file) and no other file: the files
the settings name (private keys, key folders, the CA bundle, the norms) are read, and the
folders tried, by plugin.config.checking.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, post_load, pre_load, validates_schema

from plugin.config import checks
from plugin.config.declare import declarations
from plugin.config.settings import Settings
from plugin.config.sources import read_settings_with_origins
from plugin.config.wording import explain
from plugin.errors import ConfigError

DECLARED = {d.name: d for d in declarations(Settings)}
# What each setting is for, shown when it is wrong or missing.
HINTS = {name: d.help for name, d in DECLARED.items()}
UNSET_WHEN_EMPTY = frozenset(name for name, d in DECLARED.items() if d.default is None)


class _Rules(Schema):
    """What holds between settings; each field's own checks are in its declaration."""

    @pre_load
    def _defaults(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """An empty value of an optional setting leaves it unset. With issuer tables, the
        allowed issuers default to theirs and the top-level client_id to the first table's
        (used only by an allowed issuer without a table)."""
        data = {k: v for k, v in data.items() if not (k in UNSET_WHEN_EMPTY and v == "")}
        tables = data.get("issuers")
        if isinstance(tables, Mapping) and tables:
            first = next(iter(tables.values()))
            if "client_id" not in data and isinstance(first, Mapping) and first.get("client_id"):
                data["client_id"] = first["client_id"]
            if "allowed_iss" not in data:
                data["allowed_iss"] = list(tables)
        return data

    @validates_schema
    def _check_https(self, data: dict[str, Any], **_: Any) -> None:
        """Outside development every URL the app serves or trusts is https."""
        if data.get("development"):
            return
        for name in ("public_url", "allowed_iss", "record_store_url"):
            value = data.get(name)
            values = list(value) if isinstance(value, tuple) else [value] if value else []
            problem = checks.plain_http_problem(values)
            if problem:
                raise ValidationError(problem, field_name=name)

    @validates_schema
    def _check_companion(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("audit_destination") == "record-store" and not data.get("record_store_url")
                and not data.get("issuers")):  # with tables: each EHR's own (create_app checks)
            raise ValidationError(
                "record-store needs ALLIANCE_RECORD_STORE_URL", field_name="audit_destination")
        if data.get("record_store_mode") == "companion" and not data.get("record_store_url"):
            raise ValidationError(
                "companion mode needs ALLIANCE_RECORD_STORE_URL", field_name="record_store_mode")
        if data.get("record_store_url") and not data.get("private_key_file"):
            raise ValidationError(
                "a companion store is reached with SMART backend services, which needs "
                "ALLIANCE_PRIVATE_KEY_FILE", field_name="record_store_url")

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> Settings:
        return Settings(**data)


SettingsSchema = _Rules.from_dict(
    {name: d.field(required=d.required) for name, d in DECLARED.items()},
    name="SettingsSchema")


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
    errors: dict[str, Any] = {
        name: f"not a setting Alliance Panel knows (known: {', '.join(sorted(DECLARED))})"
        for name in sorted(set(raw) - set(DECLARED))
    }
    try:
        settings: Settings = SettingsSchema().load(
            {k: v for k, v in raw.items() if k in DECLARED})
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"settings": err.messages}
        errors.update(messages)
    if errors:
        raise ConfigError(explain(errors, origins, HINTS))
    return dataclasses.replace(settings, origins=origins)
