"""Panel latency with injected network latency: Alliance Panel's reads against a naive client.

Prints figures; asserts nothing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sandbox_bench import start_bench  # noqa: E402
from plugin.fhir.client import FhirClient  # noqa: E402
from plugin.panel.reads import read_panel  # noqa: E402
from plugin.panel.view import build_panel  # noqa: E402


class SlowNetwork(requests.Session):
    """Adds a fixed delay to every request, like a round trip to a distant EHR."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.count = 0

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        self.count += 1
        time.sleep(self.delay)  # a benchmark of latency, not a test waiting for a server
        return super().send(request, **kwargs)


def naive_reads(client: FhirClient, patient: str) -> int:
    """One request per resource read, server default page size, everything in sequence."""
    client.read("Patient", patient)
    found = 0
    for resource_type, param in (("Encounter", "patient"), ("Appointment", "patient"),
                                 ("QuestionnaireResponse", "subject")):
        value = patient if param == "patient" else f"Patient/{patient}"
        found += len(client.search(resource_type, {param: value}))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=80.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--short", action="store_true",
                        help="one run at 5 ms: a check that it runs (make test), not figures")
    args = parser.parse_args()
    if args.short:
        args.runs, args.latency_ms = 1, 5.0
    delay = args.latency_ms / 1000
    network = SlowNetwork(delay)
    bench = start_bench(network, prefix="alliance-bench-")
    ehr, app, patient = bench.ehr, bench.app, bench.patient

    browser = requests.Session()
    chart = browser.get(f"{ehr.url}/chart/{patient}", timeout=30).text
    launch_url = re.search(r'<iframe[^>]*\ssrc="([^"]+)"', chart).group(1).replace("&amp;", "&")
    panel = browser.get(launch_url, timeout=60)
    handle = panel.url.rsplit("/", 1)[1]
    context = app.extensions["alliance"].launches.context(
        handle, browser.cookies.get("ap_browser"))

    app_times, counts = [], []
    for _ in range(args.runs):
        before = network.count
        started = time.perf_counter()
        assert browser.get(panel.url, timeout=60).status_code == 200
        app_times.append(time.perf_counter() - started)
        counts.append(network.count - before)

    naive = FhirClient(context.iss, token=lambda: context.access_token, http=network)
    naive_times, naive_counts = [], []
    for _ in range(args.runs):
        before = network.count
        started = time.perf_counter()
        naive_reads(naive, patient)
        naive_times.append(time.perf_counter() - started)
        naive_counts.append(network.count - before)

    ehr_client = FhirClient(context.iss, token=lambda: context.access_token)
    store = app.extensions["alliance"].record_stores.for_launch(context, ehr_client)
    reads = read_panel(ehr_client, store, patient, appointments=True)
    tracemalloc.start()
    view = build_panel(reads, context.encounter, datetime.date.today())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    def ms(times: list[float]) -> str:
        return f"{statistics.median(times) * 1000:7.0f} ms"

    print(f"patient with {len(reads.encounters)} encounters, {len(reads.appointments)} "
          f"appointments, {len(reads.responses)} responses; latency {args.latency_ms:g} ms")
    print(f"Alliance Panel, full panel page:  median {ms(app_times)}"
          f"  ({statistics.median(counts):g} requests to FHIR servers)")
    print(f"naive sequential reads only:      median {ms(naive_times)}"
          f"  ({statistics.median(naive_counts):g} requests)")
    print(f"building the panel view: peak {peak / 1e6:.1f} MB, {len(view.alerts)} alerts, "
          f"{len(view.scored)} scored sessions")
    bench.stop()


if __name__ == "__main__":
    main()
