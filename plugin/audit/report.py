"""The verifier's report: a plain-text table for the terminal and a CSV file for the record."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from plugin.audit.verify import Finding

COLUMNS = ("result", "record", "patient", "check", "detail")


def _row(finding: Finding) -> tuple[str, ...]:
    result = ("WARN" if finding.warning else "ok") if finding.ok else "FAIL"
    return (result, finding.record, finding.patient, finding.check,
            finding.detail)


def format_table(findings: Sequence[Finding], width: int = 60) -> str:
    """A fixed-width table (details cut at ``width``) and a one-line summary."""
    rows = [COLUMNS, *(_row(f) for f in findings)]
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
        writer.writerows(_row(f) for f in findings)
