"""Several reads at once: one batch Bundle where the server takes batch, else the same reads
sent side by side.

A server refuses batch by answering the `POST [base]` with 404, 405 or 501, or with an
OperationOutcome whose issue code is `not-supported`. A CapabilityStatement that leaves `batch`
out is not taken as a refusal (statements often list only some of what a server does, and
trusting one that under-declares would cost every panel view its single round trip); the batch
is tried, and `alliance check` reports the statement's silence.

The parallel reads are the batch's own entries (searches and reads by id, checked by
plugin/fhir/url_safety.py), at most PARALLEL at a time, each with the client's timeout, so the
answer is the same list in the same order. A refusal is remembered
per server for REMEMBER seconds (per outbound session: one app's), so later views go side by
side at once instead of paying a refused batch each time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from weakref import WeakKeyDictionary

import requests

from plugin.fhir.errors import FhirError

Json = dict[str, Any]
REFUSED_STATUSES = frozenset({404, 405, 501})
PARALLEL = 4  # reads in flight at once when batch is refused: a panel has four at most
REMEMBER = 3600.0  # seconds a refusal is remembered, as long as a CapabilityStatement is kept
_refusals: WeakKeyDictionary[requests.Session, dict[str, float]] = WeakKeyDictionary()
_lock = threading.Lock()


def remember_refusal(http: requests.Session, base: str,
                     clock: Callable[[], float] = time.monotonic) -> None:
    with _lock:
        _refusals.setdefault(http, {})[base] = clock() + REMEMBER


def refused_lately(http: requests.Session, base: str,
                   clock: Callable[[], float] = time.monotonic) -> bool:
    """True when ``base`` refused a batch sent through ``http`` less than REMEMBER ago."""
    with _lock:
        until = _refusals.get(http, {}).get(base)
    return until is not None and clock() < until


def declares_batch(capability: Mapping[str, Any]) -> bool:
    """False only when a CapabilityStatement lists its system interactions without `batch`;
    True when it lists batch, and when there is no statement to go by."""
    listed = [i for rest in capability.get("rest") or [] if isinstance(rest, dict)
              for i in rest.get("interaction") or [] if isinstance(i, dict)]
    return not listed or any(i.get("code") == "batch" for i in listed)


def batch_refused(err: FhirError) -> bool:
    """True when the answer to a batch says the server does not take batch Bundles."""
    if err.upstream_status in REFUSED_STATUSES:
        return True
    return any(issue.get("code") == "not-supported" for issue in err.issues)


def read_in_parallel(get: Callable[[str], Json], urls: Sequence[str]) -> list[Json]:
    """Each url through ``get``, PARALLEL at a time; answers in the order of ``urls``. The
    first failure is raised, as a failed batch entry is."""
    if len(urls) <= 1:
        return [get(url) for url in urls]
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(urls))) as pool:
        return list(pool.map(get, urls))
