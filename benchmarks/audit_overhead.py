"""What the audit trail costs a request: spooling a panel view's AuditEvents (one PatientRead
and three PatientQuery, one SQLite transaction with synchronous=FULL), delivering them to the
hash-chained JSON-lines log, and `alliance audit --sink` over a long log.

Prints figures; asserts nothing. The disk decides most of it (fsync).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugin.audit.chain_verify import verify_chain  # noqa: E402
from plugin.audit.emit import AccessAuditor  # noqa: E402
from plugin.audit.sink import JsonLinesSink  # noqa: E402
from plugin.audit.trail import AuditTrail, deliver_to_log  # noqa: E402
from smart_launch import LaunchContext  # noqa: E402

CONTEXT = LaunchContext(iss="https://ehr.example.org/r4", patient="p1",
                        fhir_user="Practitioner/pr1", expires_at=2e9,
                        access_token="an-access-token",  # noqa: S106
                        token_endpoint="https://ehr.example.org/token")  # noqa: S106
SEARCHES = ["Encounter?patient=p1", "Appointment?patient=p1", "QuestionnaireResponse?subject=p1"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--short", action="store_true",
                        help="20 views: a check that it runs (make test), not figures")
    args = parser.parse_args()
    if args.short:
        args.views = 20
    with tempfile.TemporaryDirectory() as folder:
        sink = JsonLinesSink(Path(folder) / "audit.jsonl")
        trail = AuditTrail(Path(folder) / "spool.db", deliver_to_log(sink), batch=200)
        auditor = AccessAuditor(trail, client_id="c", app_name="Alliance Panel",
                                app_version="0.1.0", app_address="https://app.example.org")
        actor = auditor.actor(CONTEXT)
        spool = []
        for _ in range(args.views):
            start = time.perf_counter()
            auditor.panel_view(actor, "Patient/p1", [(CONTEXT.iss, "Patient/p1"),
                                                     *((CONTEXT.iss, q) for q in SEARCHES)])
            spool.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        delivered = 0
        while (n := trail.deliver_pending()):
            delivered += n
        deliver = (time.perf_counter() - start) * 1000 / max(delivered, 1)
        start = time.perf_counter()
        problems = verify_chain(sink.path)
        verify = time.perf_counter() - start
        print(f"spooling one panel view (4 AuditEvents): median {statistics.median(spool):.2f} ms,"
              f" p95 {sorted(spool)[int(len(spool) * 0.95)]:.2f} ms ({args.views} views)")
        print(f"delivering to the hash-chained log: {deliver:.2f} ms per event "
              f"({delivered} events, one fsync per batch of 200)")
        print(f"verifying the chain of {delivered} lines: {verify * 1000:.0f} ms "
              f"({len(problems)} problems); log size {sink.path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
