"""Where settings come from: a TOML file named by ALLIANCE_CONFIG, then ALLIANCE_* variables
over it. Raw values only; plugin.config.schema validates them."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from plugin.config.declare import PREFIX
from plugin.errors import ConfigError


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
