"""Checking loaded settings against the machine: the folders the app writes are tried for
real (created if missing), and the site's norms file is read and validated against the
instruments the app offers (built once, by the form catalogue, and handed in).

`alliance serve` and create_app check; loading alone (plugin.config.schema) never writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from plugin.alliance import Instrument, NormsError, NormSet, parse_site_norms
from plugin.config.checks import writable_folder_problem
from plugin.config.schema import HINTS
from plugin.config.settings import Settings
from plugin.config.wording import explain
from plugin.errors import ConfigError


def check_settings(settings: Settings, instruments: Sequence[Instrument] = ()) -> Settings:
    """The settings with the site's norms read, once every folder has been found writable;
    ConfigError listing every problem otherwise. ``instruments``: those offered."""
    problems: dict[str, str] = {}
    for name in ("data_dir", "audit_checkpoint_dir"):
        folder = getattr(settings, name)
        problem = writable_folder_problem(folder) if folder is not None else None
        if problem:
            problems[name] = problem
    norms = None
    if settings.norms_file is not None:
        norms, problem = _site_norms(settings.norms_file, instruments)
        if problem:
            problems["norms_file"] = problem
    if problems:
        raise ConfigError(explain(problems, settings.origins, HINTS))
    return dataclasses.replace(settings, norms=norms)


def _site_norms(path: Path,
                instruments: Sequence[Instrument]) -> tuple[NormSet | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, f"cannot read {path}: {err}"
    try:
        return parse_site_norms(text, list(instruments), origin=str(path)), None
    except NormsError as err:
        return None, err.message
