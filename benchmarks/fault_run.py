"""Saves under faults between the app and HAPI FHIR: figures for lost, duplicated, truthful.

Starts HAPI FHIR (tests/interop/hapi) and oidc-provider, Toxiproxy (latency 30+-10 ms, resets
on 5% of connections, answers cut off after the work on 5%) and the 503 injector (bursts on
about 30% of requests, 30% of them after HAPI did the work), the app in process, and several
scripted clinicians saving at once (tests/support/fault_clinic.py). Prints figures; asserts
nothing. See benchmarks/README.md. Needs `make interop toxiproxy`.

    .venv/bin/python benchmarks/fault_run.py --clinicians 6 --sessions 18   # 216 saves

`--short` (1 clinician, 2 sessions) checks that it runs; tests/interop runs `run` on the
session's servers in `make test`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugin.recording.outbox import OutboxPolicy  # noqa: E402
from plugin.web import create_app  # noqa: E402
from tests.support.fault_clinic import (  # noqa: E402
    Clinician,
    Tally,
    drain,
    faulty_path,
    judge,
    load_clinic,
)
from tests.support.interop import CLIENT_IDS, Servers  # noqa: E402
from tests.support.interop_stack import interop_stack  # noqa: E402
from tests.support.servers import LiveServer  # noqa: E402
from tests.support.toxiproxy import Toxiproxy  # noqa: E402

SHORT = ["--clinicians", "1", "--sessions", "2"]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clinicians", type=int, default=6)
    parser.add_argument("--sessions", type=int, default=18, help="per clinician; 2 saves each")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--short", action="store_true", help=" ".join(SHORT))
    args = parser.parse_args(argv)
    return parser.parse_args([*(argv or sys.argv[1:]), *SHORT]) if args.short else args


def main() -> None:
    args = parse()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.monotonic()
        with interop_stack(work / "servers") as servers, \
                Toxiproxy.start(work, seed=args.seed) as toxiproxy:
            print(f"HAPI and oidc-provider up in {time.monotonic() - t0:.0f}s")
            run(args, servers, toxiproxy, work, servers.spare_ports[0])


def run(args: argparse.Namespace, servers: Servers, toxiproxy: Toxiproxy, work: Path,
        port: int) -> None:
    """The saves under faults and the figures, on servers already running (HAPI,
    oidc-provider)."""
    plans = load_clinic(servers.hapi, f"bench{args.seed}", args.clinicians, args.sessions)
    iss, injector = faulty_path(toxiproxy, servers.hapi, seed=args.seed)
    app = create_app({
        "public_url": f"http://127.0.0.1:{port}", "client_id": CLIENT_IDS["public"],
        "allowed_iss": iss,
        "secret_key": "fault-benchmark-" + "Lc2x-7RnV5mKq9wB3tZd6hGp1sJf8yEa0oUi4aWe",
        "development": True,
        "data_dir": str(work / "app")},
        outbox_policy=OutboxPolicy(first_retry=0.5, max_retry=4, lease=40),
        outbox_interval=0.5)
    server = LiveServer(port=port).start(app)
    tally = Tally()
    people = [Clinician(n, plan, app_url=lambda: f"http://127.0.0.1:{port}", iss=iss,
                        new_launch=servers.new_launch, hapi=servers.hapi, tally=tally,
                        seed=args.seed + n, patience=300)
              for n, plan in enumerate(plans)]
    started = time.monotonic()
    threads = [threading.Thread(target=p.run) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saving = time.monotonic() - started
    toxiproxy.reset()
    injector.active = False
    started = time.monotonic()
    left = drain(app.extensions["alliance"].saving.outbox, 300)
    drained = time.monotonic() - started
    verdict = judge(servers.hapi, tally)
    server.stop()
    injector.stop()
    counts = injector.counts
    requests_seen = sum(counts.values())
    injected = counts["refused"] + counts["done_then_refused"]
    print(f"clinicians: {args.clinicians} at once; saves: {verdict.saves} "
          f"(Save pressed {verdict.posts} times); launches: {tally.launches} "
          f"({tally.launch_retries} retried)")
    print(f"what clinicians were told: {verdict.told}")
    print(f"requests to HAPI through the injector: {requests_seen}; 503s injected: {injected} "
          f"({100 * injected / max(requests_seen, 1):.0f}%), of which after HAPI did the work: "
          f"{counts['done_then_refused']}")
    print("toxics: latency 30+-10 ms on every answer, reset_peer on 5% of connections, "
          "answers cut off (timeout 1.5 s) on 5%")
    print(f"saving took {saving:.0f}s; the outbox drained in {drained:.1f}s "
          f"({len(left)} left unsent)")
    print(f"lost: {verdict.lost}; duplicated: {verdict.duplicated}; incomplete: "
          f"{verdict.incomplete}; told something untrue: {verdict.untruthful}")


if __name__ == "__main__":
    main()
