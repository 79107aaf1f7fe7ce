"""Checking loaded settings against the machine: the files they name are read (the private
keys, whose text the checked settings carry, the key folders and the CA bundle), the folders
the app writes are tried for real (created if missing), and the site's norms file is read and
validated against the instruments the app offers (built once, by the form catalogue, and
handed in).

`alliance serve` and create_app check; loading alone (plugin.config.schema) touches no file
but the TOML one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from plugin.alliance import Instrument, NormsError, NormSet, parse_site_norms
from plugin.config.checks import ca_bundle_problem, read_private_key, writable_folder_problem
from plugin.config.issuer_tables import read_table_files
from plugin.config.schema import HINTS
from plugin.config.settings import Settings
from plugin.config.wording import explain
from plugin.errors import ConfigError


def check_settings(settings: Settings, instruments: Sequence[Instrument] = ()) -> Settings:
    """The settings with the key files' text and the site's norms read, once every file they
    name was found usable and every folder writable; ConfigError listing every problem
    otherwise. ``instruments``: those offered."""
    problems: dict[str, str | list[str]] = {}
    pem = settings.private_key_pem  # a caller's own key text stays when no file is named
    if settings.private_key_file is not None:
        pem, problem = read_private_key(settings.private_key_file)
        if problem:
            problems["private_key_file"] = problem
    if settings.ca_bundle is not None:
        problem = ca_bundle_problem(str(settings.ca_bundle))
        if problem:
            problems["ca_bundle"] = problem
    tables, table_problems = read_table_files(settings.issuers)
    if table_problems:
        problems["issuers"] = table_problems  # each line names its table
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
    return dataclasses.replace(settings, private_key_pem=pem, issuers=tables, norms=norms)


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
