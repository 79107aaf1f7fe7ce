"""kill -9 of the app in the middle of saves: figures for lost and duplicated after restarts.

Starts HAPI FHIR and oidc-provider, a Toxiproxy latency (150+-50 ms) in front of HAPI so that
saves are in flight, and the app as a process of its own; scripted clinicians save while the
app is killed with SIGKILL at random points and started again each time
(tests/support/crash_clinic.py). Prints figures; asserts nothing. See benchmarks/README.md.

    .venv/bin/python benchmarks/crash_run.py --clinicians 4 --sessions 13 --kills 24

`--short` (1 clinician, 1 session, 1 kill) checks that it runs. In `make test`,
tests/interop/test_crash.py runs `run` on the session's servers (2 clinicians, 3 sessions, 4
kills) and judges what it prints.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.crash_clinic import CrashReport, run_crashes  # noqa: E402
from tests.support.interop import Servers  # noqa: E402
from tests.support.interop_stack import interop_stack  # noqa: E402
from tests.support.toxiproxy import Toxiproxy  # noqa: E402

SHORT = ["--clinicians", "1", "--sessions", "1", "--kills", "1"]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clinicians", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=13, help="per clinician; 2 saves each")
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--short", action="store_true", help=" ".join(SHORT))
    args = parser.parse_args(argv)
    return parser.parse_args([*(argv or sys.argv[1:]), *SHORT]) if args.short else args


def main() -> None:
    args = parse()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with interop_stack(work / "servers") as servers, \
                Toxiproxy.start(work, seed=args.seed) as toxiproxy:
            run(args, servers, toxiproxy, work, servers.spare_ports[0])


def run(args: argparse.Namespace, servers: Servers, toxiproxy: Toxiproxy, work: Path,
        port: int) -> CrashReport:
    """The kills and the figures, on servers already running (HAPI, oidc-provider)."""
    started = time.monotonic()
    report = run_crashes(servers, toxiproxy, work, clinicians=args.clinicians,
                         sessions=args.sessions, kills=args.kills, port=port, seed=args.seed)
    took = time.monotonic() - started
    verdict = report.verdict
    caught = sum(1 for n in report.in_flight_at_kill if n)
    print(f"clinicians: {args.clinicians} at once; saves: {verdict.saves} "
          f"(Save pressed {verdict.posts} times, again after each crash)")
    print(f"kill -9: {report.kills}; kills while a new save was in the outbox, not yet sent: "
          f"{caught} (such saves at each kill: {report.in_flight_at_kill})")
    print(f"what clinicians were told: {verdict.told}; run took {took:.0f}s")
    print(f"lost: {verdict.lost}; duplicated: {verdict.duplicated}; incomplete: "
          f"{verdict.incomplete}; told something untrue: {verdict.untruthful}")
    return report


if __name__ == "__main__":
    main()
