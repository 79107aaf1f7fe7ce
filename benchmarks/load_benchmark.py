"""Load benchmark: 50 clinicians for 2 minutes against two app instances behind nginx, with HAPI
FHIR as the EHR and oidc-provider as the authorization server; then again with 80 ms injected
between the app and HAPI (Toxiproxy); then the app's own time per panel view for the
150-session patient, FHIR time taken out, with a profile. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/load_benchmark.py [--store postgresql|redis] [--users 50]
        [--duration 120] [--latency-ms 80]

Needs what the interop and scale tiers need (java + the built HAPI launcher, node +
oidc-provider, postgres or redis-server, nginx, toxiproxy-server): `make interop toxiproxy`.

`--short`: 3 clinicians for 6 seconds, the same locust scenario with short think times,
against the sandbox EHR and one instance (benchmarks/load/short_run.py): what `make test` runs
so the scenario and the printout cannot rot; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.load.app_time import measure_app_time  # noqa: E402
from benchmarks.load.cluster import Cluster, running_cluster  # noqa: E402
from benchmarks.load.sampler import Sampler  # noqa: E402
from benchmarks.load.visit import STEPS, workstation  # noqa: E402

SHORT_USERS, SHORT_SECONDS = 3, 6


def run_locust(cluster: Cluster, users: int, duration: int, label: str) -> dict:
    env = {"LOAD_ISS": cluster.fhir_base, "LOAD_OIDC": cluster.oidc,
           "LOAD_CONTEXTS": json.dumps(cluster.contexts)}
    pids = {i.name: i.process.pid for i in cluster.instances}
    pids["HAPI"] = cluster.hapi.pid
    return locust(cluster.folder / f"locust-{label}", cluster.front, env, pids, users,
                  duration, spawn_rate=max(1, users // 10))


def locust(prefix: Path, host: str, settings: dict[str, str], pids: dict[str, int],
           users: int, duration: int, spawn_rate: int) -> dict:
    """One headless locust run of load/locustfile.py; its statistics, failures, exceptions
    (an error in the scenario itself, which locust counts apart from failed requests) and
    the processes' CPU and memory."""
    env = {**os.environ, **settings}
    load_before = os.getloadavg()[0]
    with Sampler(pids) as sampler:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(REPO / "benchmarks/load/locustfile.py"),
             "--headless", "-u", str(users), "-r", str(spawn_rate), "-t",
             f"{duration}s", "--host", host, "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "60"],
            env=env, check=False, timeout=duration + 300, capture_output=True, text=True)
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    found = {}
    for kind in ("failures", "exceptions"):
        path = Path(f"{prefix}_{kind}.csv")
        found[kind] = list(csv.DictReader(path.open(newline=""))) if path.exists() else []
    return {"rows": rows, "usage": sampler.usage, "failures": found["failures"],
            "exceptions": found["exceptions"], "duration": duration,
            "locust_log": done.stderr[-3000:] if done.returncode else "",
            "load": (load_before, os.getloadavg()[0])}


def warm_up(cluster: Cluster) -> None:
    """One launch and panel per patient, so HAPI's JIT and caches are not what is measured;
    each from its clinician's workstation (load/locustfile.py), as the app counts launches
    per address."""
    for n, context in enumerate(cluster.contexts):
        launch = requests.post(f"{cluster.oidc}/ehr/launch", json=context, timeout=30).json()
        page = requests.Session().get(f"{cluster.front}/launch", timeout=120, params={
            "iss": cluster.fhir_base, "launch": launch["launch"]},
            headers={"X-Forwarded-For": workstation(n)})
        page.raise_for_status()


def print_run(title: str, result: dict) -> None:
    rows = result["rows"]
    total = rows.get("Aggregated", {})
    print(f"\n### {title}\n")
    print(f"machine load average (1 min) {result['load'][0]:.1f} before, "
          f"{result['load'][1]:.1f} after (2 cores shared with other work)\n")
    exceptions = sum(int(e.get("Count") or 0) for e in result.get("exceptions", []))
    print(f"requests {total.get('Request Count')}, failures {total.get('Failure Count')}, "
          f"errors in the scenario {exceptions}, "
          f"{float(total.get('Requests/s', 0)):.1f} requests/s, panel views "
          f"{float(rows.get('panel', {}).get('Requests/s', 0)):.2f}/s (+ one per launch: "
          f"{float(rows.get('launch', {}).get('Requests/s', 0)):.2f}/s)\n")
    print("| step | requests | failures | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for step in STEPS:
        row = rows.get(step)
        if row:
            print(f"| {step} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} "
                  f"| {row['95%']} | {row['99%']} |")
    print("\n| process | CPU (% of one core) | RSS mean MB | RSS peak MB |")
    print("|---|---:|---:|---:|")
    for name, usage in result["usage"].items():
        print(f"| {name} | {usage.cpu_percent:.0f} | {usage.rss_mean_mb:.0f} | "
              f"{usage.rss_peak / 2**20:.0f} |")
    if result.get("locust_log"):
        print(f"locust ended with an error:\n{result['locust_log']}")
    for failure in result["failures"][:10]:
        print(f"failure: {failure}")
    for error in result.get("exceptions", [])[:5]:
        print(f"error in the scenario ({error.get('Count')}x): {error.get('Message')}\n"
              f"{error.get('Traceback')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["postgresql", "redis"], default="postgresql")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds per run")
    parser.add_argument("--latency-ms", type=int, default=80)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--app-time-only", action="store_true",
                        help="skip the locust runs; only the app time and its profile")
    parser.add_argument("--short", action="store_true",
                        help=f"{SHORT_USERS} clinicians for {SHORT_SECONDS} s against the "
                        "sandbox EHR and one instance: a check that it runs, not figures")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="alliance-load-"))
    if args.short:
        from benchmarks.load.short_run import run_short

        print(f"# Load benchmark, short form (figures mean nothing); logs in {folder}")
        print_run(f"{SHORT_USERS} clinicians, {SHORT_SECONDS} s, sandbox EHR, one instance",
                  run_short(folder, SHORT_USERS, SHORT_SECONDS, locust))
        return
    print(f"# Load benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB, "
          f"Python {platform.python_version()}; store {args.store}; {args.instances} "
          f"instances x {args.workers} workers x {args.threads} threads; logs in {folder}")
    with running_cluster(folder, store=args.store, instances=args.instances,
                         workers=args.workers, threads=args.threads,
                         clinicians=args.users) as cluster:
        warm_up(cluster)
        if args.app_time_only:
            cluster.proxy.clear()
            print_app_time(measure_app_time(cluster))
            return
        plain = run_locust(cluster, args.users, args.duration, "plain")
        print_run(f"{args.users} clinicians, {args.duration} s, no injected latency", plain)
        cluster.proxy.latency(args.latency_ms)
        slow = run_locust(cluster, args.users, args.duration, "latency")
        print_run(f"{args.users} clinicians, {args.duration} s, {args.latency_ms} ms injected "
                  "between app and HAPI", slow)
        cluster.proxy.clear()
        timing = measure_app_time(cluster)
    print_app_time(timing)


def print_app_time(timing: dict) -> None:
    print("\n### App time per panel view, 150-session patient (FHIR time excluded)\n")
    print(f"{timing['views']} repeat views (the instance kept the launch's view): app CPU "
          f"{timing['cpu_ms_median']:.1f} ms median, "
          f"{timing['cpu_ms_p95']:.1f} ms p95 (the budget: 15 ms); app wall time less FHIR "
          f"{timing['app_ms_median']:.1f} ms median, {timing['app_ms_p95']:.1f} ms p95; "
          f"FHIR {timing['fhir_ms_median']:.1f} ms median; "
          f"request {timing['wall_ms_median']:.1f} ms median; page {timing['page_bytes']} bytes")
    print(f"{timing['first_views']} first views (nothing kept, as on another instance): app CPU "
          f"{timing['first_ms_median']:.1f} ms median, {timing['first_ms_p95']:.1f} ms p95")
    print("\nProfile (20 views, by own CPU time):\n")
    print(timing["profile"])


if __name__ == "__main__":
    main()
