"""docs/configuration.md, written from the declarations: ``python -m plugin.config.reference >
docs/configuration.md``. tests/plugin/test_config_reference.py fails when the page differs."""

from __future__ import annotations

import sys

from plugin.config.declare import Declaration, declarations
from plugin.config.issuer_tables import IssuerTable
from plugin.config.settings import Settings

INTRO = """\
# Configuration reference

<!-- Written by `python -m plugin.config.reference > docs/configuration.md` from the
declarations in plugin/config/settings.py and plugin/config/issuer_tables.py; edit those. -->

Alliance Panel reads environment variables with the prefix `ALLIANCE_`, or a TOML file named by
`ALLIANCE_CONFIG` whose keys are the same names in lower case without the prefix; a variable
wins over the file. An empty value of a setting whose default is "unset" leaves it unset.

`alliance serve` checks every setting before it starts: loading reads the values and the files
they name (the TOML file, a private key, the CA bundle, text packs); checking also writes a
probe file in each folder the app writes (`data_dir`, `audit_checkpoint_dir`, created if
missing) and reads the site's norms against the offered instruments. Anything wrong stops the
app with one message listing every problem, each named as it was written (the TOML key and its
file, or the variable), with the text of the "meaning" column as the fix.
"""

TABLES = """\
## Per-EHR tables: `[issuers."<FHIR base URL>"]`

One TOML table per EHR, named by its FHIR base URL, each with its own registration
([several-ehrs.md](several-ehrs.md)). With tables, `allowed_iss` defaults to the tables' URLs and
`client_id` to the first table's. A key shared with a top-level setting has its kind and checks.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _rows(found: list[Declaration], *, env: bool) -> list[str]:
    head = ("| variable | TOML key | kind | default | meaning | example |" if env
            else "| key | kind | default | meaning | example |")
    rows = [head, "|" + "---|" * (6 if env else 5)]
    for d in found:
        default = "required" if d.required else f"`{_cell(d.shown_default)}`"
        cells = ([f"`{d.env}`"] if env else []) + [
            f"`{d.name}`", _cell(d.kind.describe), default, _cell(d.help),
            f"`{_cell(d.example)}`"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def render() -> str:
    """The whole page."""
    lines = [INTRO, "## Settings", ""]
    lines += _rows(list(declarations(Settings)), env=True)
    lines += ["", TABLES]
    lines += _rows(list(declarations(IssuerTable)), env=False)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
