"""`alliance audit`: re-score stored records and check the local audit log; exit 1 on any
discrepancy, 2 when the audit could not run (bad arguments, server unreachable)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from plugin.audit.chain import default_key_folder
from plugin.audit.chain_keys import AuditKeys
from plugin.audit.chain_verify import check_chain
from plugin.audit.errors import AuditError
from plugin.audit.report import format_table, write_csv
from plugin.audit.verify import Finding, RecordAuditor, response_query
from plugin.fhir.cli_access import add_access_arguments, fhir_client_from_arguments
from plugin.fhir.errors import FhirError

READ_SCOPES = ("system/QuestionnaireResponse.rs", "system/Observation.rs",
               "system/Provenance.rs", "system/Questionnaire.rs")


def register(commands: Any) -> None:
    """Add the `audit` subcommand to the `alliance` parser's subparsers."""
    parser = commands.add_parser(
        "audit", help="re-score stored records, check Provenance, versions and the audit log")
    parser.add_argument("--fhir", metavar="URL", help="FHIR base URL holding the records")
    parser.add_argument("--patient", help="a patient id or Patient/id")
    parser.add_argument("--since", help="first day (YYYY-MM-DD) of responses authored")
    parser.add_argument("--until", help="day after the last (YYYY-MM-DD), exclusive")
    parser.add_argument("--sink", type=Path, help="the JSON-lines audit log to check")
    parser.add_argument("--keys", type=Path, help="the audit key folder (ALLIANCE_AUDIT_KEY_DIR; "
                        "default: keys beside the log)")
    parser.add_argument("--checkpoint", type=Path, help="the checkpoint of the log, or the "
                        "folder holding it (ALLIANCE_AUDIT_CHECKPOINT_DIR)")
    parser.add_argument("--csv", type=Path, help="write every finding to this CSV file")
    add_access_arguments(parser)
    parser.set_defaults(run=run)
    keys = commands.add_parser("audit-key", help="rotate or list the audit chain's MAC keys")
    keys.add_argument("--keys", type=Path, required=True, help="the audit key folder")
    keys.add_argument("action", choices=("rotate", "list"))
    keys.set_defaults(run=run_keys)


def sink_findings(path: Path, keys: Path | None = None,
                  checkpoint: Path | None = None) -> list[Finding]:
    report = check_chain(path, keys=keys, checkpoint=checkpoint)
    name = str(path)
    findings = [Finding(f"{path.name} line {p.line}" if p.line else name, "",
                        f"audit-log {p.code}", False, p.message) for p in report.problems]
    if not report.problems and report.keyed:
        against = (f"matches the checkpoint of {report.checkpoint.written}"
                   if report.checkpoint else "matches its head")
        findings.append(Finding(name, "", "audit-log", True, f"keyed chain intact: "
                                f"{report.last_seq} line(s), {against}"))
    findings += [Finding(name, "", "audit-log", True, w, warning=True) for w in report.warnings]
    return findings


def run_keys(args: argparse.Namespace) -> int:
    store = AuditKeys(args.keys)
    try:
        if args.action == "rotate":
            kid = store.rotate()
            print(f"new audit key {kid}; the app's next append records the change in the chain")
        ring = store.ensure()
    except AuditError as err:
        print(f"alliance audit-key: {err.message}", file=sys.stderr)
        return 2
    for kid in sorted(ring.secrets, key=lambda k: ring.created.get(k, "")):
        state = "active" if kid == ring.active else "retired (kept to verify old lines)"
        print(f"{kid}  {ring.created.get(kid, '')}  {state}")
    return 0


def run(args: argparse.Namespace) -> int:
    if not args.fhir and not args.sink:
        print("alliance audit: give --fhir URL (with --patient or --since/--until) and/or "
              "--sink FILE", file=sys.stderr)
        return 2
    findings: list[Finding] = []
    try:
        if args.fhir:
            params = response_query(args.patient, args.since, args.until)
            client = fhir_client_from_arguments(args.fhir, args, READ_SCOPES)
            findings.extend(RecordAuditor(client).audit(params))
        if args.sink:
            findings.extend(sink_findings(args.sink, args.keys or default_key_folder(args.sink),
                                          args.checkpoint))
    except (AuditError, FhirError) as err:
        print(f"alliance audit: {err.message}", file=sys.stderr)
        return 2
    print(format_table(findings))
    if args.csv:
        write_csv(findings, args.csv)
        print(f"wrote {args.csv}")
    return 1 if any(not f.ok for f in findings) else 0
