"""The settings every outbound request obeys (ALLIANCE_CA_BUNDLE, ALLIANCE_DEVELOPMENT), read
alone for the commands that need no others: `check`, `install` and `audit`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema, ValidationError

from plugin.config.checks import ca_bundle_problem
from plugin.config.schema import DECLARED, HINTS
from plugin.config.sources import read_settings_with_origins
from plugin.config.wording import explain
from plugin.errors import ConfigError

_NAMES = ("ca_bundle", "development")
_OutboundSchema = Schema.from_dict({name: DECLARED[name].field() for name in _NAMES},
                                   name="OutboundSchema")


@dataclass(frozen=True)
class Outbound:
    ca_bundle: Path | None
    development: bool


def load_outbound(environ: Mapping[str, str] | None = None) -> Outbound:
    """ALLIANCE_CA_BUNDLE and ALLIANCE_DEVELOPMENT (or their TOML keys) alone, validated as
    `serve` validates them: what `check`, `install` and `audit` need to reach a server."""
    raw, origins = read_settings_with_origins(os.environ if environ is None else environ)
    wanted = {k: v for k, v in raw.items() if k in _NAMES and v != ""}
    try:
        data = _OutboundSchema().load(wanted)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"settings": err.messages}
        raise ConfigError(explain(messages, origins, HINTS)) from err
    problem = ca_bundle_problem(str(data["ca_bundle"])) if data.get("ca_bundle") else None
    if problem:  # these commands reach a server next: the bundle is checked here
        raise ConfigError(explain({"ca_bundle": problem}, origins, HINTS))
    return Outbound(ca_bundle=data.get("ca_bundle"), development=bool(data.get("development")))
