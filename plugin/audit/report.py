"""The verifier's report: a plain-text table for the terminal and a CSV file for the record.

Cells carry values from the records (a subject reference, an id), which anyone who can write
to the FHIR server chooses. In the terminal every control character (ANSI escapes, CR, line
breaks, other C0 and C1 controls, bidirectional overrides) is shown escaped, so a value cannot
move the cursor or repaint a row; in the CSV a cell a spreadsheet would read as a formula
(starting with = + - @, a tab or CR) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from plugin.audit.verify import Finding

COLUMNS = ("result", "record", "patient", "check", "detail")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``, ``\\r``)."""
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def csv_safe(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: a formula-like start gets a leading '."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _row(finding: Finding) -> tuple[str, ...]:
    result = ("WARN" if finding.warning else "ok") if finding.ok else "FAIL"
    return (result, finding.record, finding.patient, finding.check,
            finding.detail)


def format_table(findings: Sequence[Finding], width: int = 60) -> str:
    """A fixed-width table (details cut at ``width``) and a one-line summary."""
    rows = [COLUMNS, *(tuple(terminal_safe(c) for c in _row(f)) for f in findings)]
    rows = [(*r[:4], r[4] if len(r[4]) <= width else r[4][: width - 1] + "…") for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failed = sum(1 for f in findings if not f.ok)
    records = len({f.record for f in findings})
    lines.append(f"{len(findings)} checks on {records} record(s): "
                 + (f"{failed} FAILED" if failed else "all passed"))
    return "\n".join(lines)


def write_csv(findings: Sequence[Finding], path: Path) -> None:
    """Every finding, details in full, one row each."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(tuple(csv_safe(c) for c in _row(f)) for f in findings)
