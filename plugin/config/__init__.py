"""Configuration: ALLIANCE_* environment variables, optionally a TOML file named by
ALLIANCE_CONFIG; environment variables win over the file.

Each setting is declared once, on its field of ``Settings`` (plugin/config/settings.py): the
schema that validates it, ``HINTS`` and docs/configuration.md (``python -m
plugin.config.reference``) are derived from that declaration; [issuers] tables likewise from
``IssuerTable``. ``load_settings`` validates the values and reads no file they name;
``check_settings`` reads the key files, the CA bundle and the site's norms and tries the
folders (`alliance serve`, create_app). A bad setting stops the app with one message that
names each setting as it was written and says how to fix it.

May import plugin.alliance and plugin.errors only.
"""

from plugin.config.checking import check_settings
from plugin.config.checks import (
    CA_BUNDLE_HINT,
    MIN_SECRET_BITS,
    MIN_SECRET_SYMBOLS,
    ca_bundle_problem,
    plain_http_problem,
    secret_bits,
    writable_folder_problem,
)
from plugin.config.declare import PREFIX
from plugin.config.outbound import Outbound, load_outbound
from plugin.config.schema import HINTS, load_settings
from plugin.config.settings import DEFAULT_INSTRUMENTS, Settings
from plugin.config.sources import read_settings_source, read_settings_with_origins

__all__ = [
    "CA_BUNDLE_HINT", "DEFAULT_INSTRUMENTS", "HINTS", "MIN_SECRET_BITS", "MIN_SECRET_SYMBOLS",
    "PREFIX", "Outbound", "Settings", "ca_bundle_problem", "check_settings", "load_outbound",
    "load_settings", "plain_http_problem", "read_settings_source", "read_settings_with_origins",
    "secret_bits", "writable_folder_problem",
]
